extension OpenAPIDocument {
    /// Room and member endpoints, spec §1.3 (pictures and attachments are not served).
    static let roomPaths = #"""
      /rooms:
        get:
          tags: [rooms]
          operationId: listRooms
          summary: Rooms the caller is a member of
          parameters:
            - name: extraFields
              in: query
              description: Repeat to add `members` and/or `settings` (userSettings) to each room.
              required: false
              style: form
              explode: true
              schema:
                type: array
                items:
                  type: string
                  enum: [members, settings]
          responses:
            "200":
              description: The rooms.
              content:
                application/json:
                  schema:
                    type: array
                    items: {$ref: "#/components/schemas/Room"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
        post:
          tags: [rooms]
          operationId: createRoom
          summary: Create a room; the caller becomes its first owner. Not guests.
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/RoomCreationFields"}
          responses:
            "201":
              description: The room with members and user settings.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Room"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "409": {$ref: "#/components/responses/Conflict"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
      /rooms/{roomId}:
        parameters:
          - {$ref: "#/components/parameters/roomId"}
        get:
          tags: [rooms]
          operationId: getRoom
          summary: A room with members and user settings; members only
          responses:
            "200":
              description: The room.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Room"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
        put:
          tags: [rooms]
          operationId: updateRoom
          summary: Rename or describe a room (also renames its meeting); owners, not guests, not one_to_one
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/RoomEditableFields"}
          responses:
            "200":
              description: The room, without members and user settings.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Room"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
        delete:
          tags: [rooms]
          operationId: deleteRoom
          summary: Delete a room and its meeting; owners, not guests, not one_to_one
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /rooms/{roomId}/mute:
        parameters:
          - {$ref: "#/components/parameters/roomId"}
        put:
          tags: [rooms]
          operationId: muteRoom
          summary: Mute the room for the caller; members, not guests
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
        delete:
          tags: [rooms]
          operationId: unmuteRoom
          summary: Unmute the room for the caller; members, not guests
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
      /rooms/{roomId}/clear:
        parameters:
          - {$ref: "#/components/parameters/roomId"}
        put:
          tags: [rooms]
          operationId: clearRoomHistory
          summary: Clear the room's history for the caller; members, not guests
          responses:
            "200":
              description: When the history was cleared.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/ClearedAt"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
      /rooms/{roomId}/members:
        parameters:
          - {$ref: "#/components/parameters/roomId"}
        get:
          tags: [rooms]
          operationId: listMembers
          summary: Members of a room; members only
          responses:
            "200":
              description: Members in membership order.
              content:
                application/json:
                  schema:
                    type: array
                    items: {$ref: "#/components/schemas/RoomMember"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
        post:
          tags: [rooms]
          operationId: addMembers
          summary: Add members; owners, not guests, not one_to_one
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: array
                  minItems: 1
                  items: {$ref: "#/components/schemas/MemberToInsert"}
          responses:
            "201":
              description: The added members.
              content:
                application/json:
                  schema:
                    type: array
                    items: {$ref: "#/components/schemas/MemberInserted"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
      /rooms/{roomId}/members/owners:
        parameters:
          - {$ref: "#/components/parameters/roomId"}
        put:
          tags: [rooms]
          operationId: setOwners
          summary: Set the owner flag of several members; owners, not guests, not on themselves
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: array
                  minItems: 1
                  items: {$ref: "#/components/schemas/MemberOwnerFields"}
          responses:
            "200":
              description: The updated members.
              content:
                application/json:
                  schema:
                    type: array
                    items: {$ref: "#/components/schemas/RoomMember"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
      /rooms/{roomId}/members/{userId}:
        parameters:
          - {$ref: "#/components/parameters/roomId"}
          - {$ref: "#/components/parameters/userId"}
        delete:
          tags: [rooms]
          operationId: removeMember
          summary: Remove a member (themselves, or anyone by an owner); removes them from the meeting first
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /rooms/{roomId}/members/{userId}/owner:
        parameters:
          - {$ref: "#/components/parameters/roomId"}
          - {$ref: "#/components/parameters/userId"}
        put:
          tags: [rooms]
          operationId: promoteMember
          summary: Make a member an owner; owners, not guests, not on themselves
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
        delete:
          tags: [rooms]
          operationId: demoteMember
          summary: Remove a member's owner flag; owners, not guests, not on themselves
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}

    """#
}
