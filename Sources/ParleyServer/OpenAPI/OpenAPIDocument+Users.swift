extension OpenAPIDocument {
    /// Users, capabilities, the auth token and guests (spec §1.3, §5.4, §5.5, §6).
    static let userPaths = #"""
      /users:
        get:
          tags: [users]
          operationId: listUsers
          summary: Users by id, 1 to 10 (unknown ids are left out)
          parameters:
            - name: userIds
              in: query
              required: true
              style: form
              explode: true
              schema:
                type: array
                minItems: 1
                maxItems: 10
                items: {type: string, format: uuid}
          responses:
            "200":
              description: The known users among the ids.
              content:
                application/json:
                  schema:
                    type: array
                    items: {$ref: "#/components/schemas/User"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
      /users/capabilities:
        get:
          tags: [users]
          operationId: getCapabilities
          summary: What clients may do (from configuration; spec §5.4 defaults)
          responses:
            "200":
              description: The capabilities, the same for every user.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Capabilities"}
            "401": {$ref: "#/components/responses/Unauthorized"}
      /users/{userId}:
        parameters:
          - {$ref: "#/components/parameters/userId"}
        get:
          tags: [users]
          operationId: getUser
          summary: A user
          responses:
            "200":
              description: The user.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/User"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "404": {$ref: "#/components/responses/NotFound"}
      /auth/token:
        get:
          tags: [users]
          operationId: getAuthToken
          summary: The token the caller authenticated with (the WSC client logs in to XMPP with it)
          responses:
            "200":
              description: The token.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/AuthToken"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "404": {$ref: "#/components/responses/NotFound"}
      /users/guests:
        post:
          tags: [users]
          operationId: createGuest
          summary: Create a guest user and a token for it; no token needed
          security:
            - {}
            - cookieAuth: []
            - bearerAuth: []
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/GuestFields"}
          responses:
            "200":
              description: The guest's id and token (under both WSC names).
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/GuestCreated"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
      /zx/auth/v3/guests:
        post:
          tags: [users]
          operationId: createCarbonioGuest
          summary: The Carbonio auth service's guest creation, as the WSC guest page calls it
          security:
            - {}
            - cookieAuth: []
            - bearerAuth: []
          parameters:
            - name: name
              in: query
              required: true
              schema: {type: string, minLength: 1, maxLength: 128}
          responses:
            "200":
              description: The guest's id and token (under both WSC names).
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/GuestCreated"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}

    """#

    /// Health, the WebSocket, metrics and this document.
    static let servicePaths = #"""
      /health:
        get:
          tags: [service]
          operationId: getHealth
          summary: Liveness, readiness and the state of each dependency
          security:
            - {}
            - cookieAuth: []
            - bearerAuth: []
          responses:
            "200":
              description: The health report.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Health"}
            "401": {$ref: "#/components/responses/Unauthorized"}
      /health/live:
        get:
          tags: [service]
          operationId: getLiveness
          summary: 204 while the process serves requests
          security:
            - {}
            - cookieAuth: []
            - bearerAuth: []
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "401": {$ref: "#/components/responses/Unauthorized"}
      /health/ready:
        get:
          tags: [service]
          operationId: getReadiness
          summary: 204 when the database answers, else 424
          security:
            - {}
            - cookieAuth: []
            - bearerAuth: []
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /events:
        get:
          tags: [service]
          operationId: openEventsSocket
          summary: The events WebSocket (spec §4.1)
          description: >
            Upgrade to a WebSocket (RFC 6455) carrying JSON events. The first message is
            `{"type":"websocketConnected","queueId":…}`; the client sends `{"type":"ping"}` and
            gets `{"type":"pong"}`. Sub-protocol `1.6.2` (or newer) selects PascalCase event
            names, none or older the 1.6.0 names. A request without upgrade is 426.
          responses:
            "101":
              description: Switching to the WebSocket protocol.
            "401": {$ref: "#/components/responses/Unauthorized"}
            "426":
              description: Upgrade Required (a plain GET without WebSocket upgrade).
      /metrics:
        get:
          tags: [service]
          operationId: getMetrics
          summary: Prometheus metrics (text format 0.0.4)
          description: Request counts and durations by route and status, open WebSockets, active
            meetings and participants, events sent, media plane counters; see ParleyMetrics.
          security:
            - {}
          responses:
            "200":
              description: The metrics.
              content:
                text/plain:
                  schema: {type: string}
      /openapi.yaml:
        get:
          tags: [service]
          operationId: getOpenAPIDocument
          summary: This document
          security:
            - {}
          responses:
            "200":
              description: The OpenAPI document.
              content:
                application/yaml:
                  schema: {type: string}

    """#
}
