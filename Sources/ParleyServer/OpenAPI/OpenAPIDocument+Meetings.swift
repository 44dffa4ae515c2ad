extension OpenAPIDocument {
    /// Meeting endpoints, spec §1.2 M1–M20.
    static let meetingPaths = #"""
      /meetings:
        get:
          tags: [meetings]
          operationId: listMeetings
          summary: Meetings of every room the caller is a member of (M1)
          responses:
            "200":
              description: The meetings, oldest first.
              content:
                application/json:
                  schema:
                    type: array
                    items: {$ref: "#/components/schemas/Meeting"}
            "401": {$ref: "#/components/responses/Unauthorized"}
        post:
          tags: [meetings]
          operationId: createMeeting
          summary: Create the meeting of a room (M2); members only, not guests
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/NewMeetingData"}
          responses:
            "200":
              description: The new meeting (inactive, no participants). 200, not 201, as WSC.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Meeting"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "409": {$ref: "#/components/responses/Conflict"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
      /meetings/{meetingId}:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        get:
          tags: [meetings]
          operationId: getMeeting
          summary: A meeting (M3); room members only
          responses:
            "200":
              description: The meeting.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Meeting"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
        delete:
          tags: [meetings]
          operationId: deleteMeeting
          summary: Delete a meeting, stopping it first (M4); members, not guests
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /meetings/{meetingId}/start:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        post:
          tags: [meetings]
          operationId: startMeeting
          summary: Start a meeting (M5); members, not guests. No request body.
          responses:
            "200":
              description: The meeting, active, with startedAt.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Meeting"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /meetings/{meetingId}/stop:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        post:
          tags: [meetings]
          operationId: stopMeeting
          summary: Stop a meeting, removing every participant (M6); members, not guests. No request body.
          responses:
            "200":
              description: The meeting, inactive, no participants, no startedAt.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Meeting"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /meetings/{meetingId}/join:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        post:
          tags: [meetings]
          operationId: joinMeeting
          summary: Join, or enter the waiting queue of a scheduled meeting (M7, spec §2.3)
          parameters:
            - {$ref: "#/components/parameters/queueIdRequired"}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/JoinSettings"}
          responses:
            "200":
              description: ACCEPTED (now a participant) or WAITING (in the waiting queue).
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/JoinStatus"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "409": {$ref: "#/components/responses/Conflict"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /meetings/{meetingId}/leave:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        post:
          tags: [meetings]
          operationId: leaveMeeting
          summary: Leave a meeting (M8); 204 also when not a participant. No request body.
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
      /meetings/{meetingId}/queue:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        get:
          tags: [meetings]
          operationId: getWaitingQueue
          summary: Users waiting to be accepted (M9); room owners, not guests
          responses:
            "200":
              description: Waiting users, in arrival order.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/WaitingQueue"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
      /meetings/{meetingId}/queue/{userId}:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
          - {$ref: "#/components/parameters/userId"}
        post:
          tags: [meetings]
          operationId: decideWaitingUser
          summary: Accept (owners) or reject (owners, or the waiting user) a waiting user (M10)
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/QueueDecision"}
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
      /meetings/{meetingId}/media:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        put:
          tags: [meetings]
          operationId: setMediaStream
          summary: Publish (with an SDP offer) or stop the caller's video or screen (M11); participants
          description: >
            The SDP answer arrives as event MEETING_SDP_ANSWERED on the caller's WebSocket. An SDP the
            media plane refuses is 400 with the reason as text/plain.
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/MediaStreamSettings"}
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequestOrSDP"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /meetings/{meetingId}/media/answer:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        put:
          tags: [meetings]
          operationId: answerSubscription
          summary: The caller's SDP answer to its subscription offer (M12); participants
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/SessionDescription"}
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequestOrSDP"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /meetings/{meetingId}/media/subscribe:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        put:
          tags: [meetings]
          operationId: updateSubscriptions
          summary: Subscribe to / unsubscribe from other participants' video and screen (M13)
          description: The subscription offer arrives as event MEETING_SDP_OFFERED; not both lists empty.
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/SubscriptionUpdates"}
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /meetings/{meetingId}/audio:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        put:
          tags: [meetings]
          operationId: setAudioStream
          summary: Toggle the caller's audio, or (owners) mute another participant (M14)
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/AudioStreamSettings"}
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /meetings/{meetingId}/audio/offer:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        put:
          tags: [meetings]
          operationId: offerAudio
          summary: SDP offer of the caller's audio connection (M15); participants
          description: The answer arrives as event MEETING_AUDIO_ANSWERED on the caller's WebSocket.
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/SessionDescription"}
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequestOrSDP"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /meetings/{meetingId}/hand:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        put:
          tags: [meetings]
          operationId: setHand
          summary: Raise or lower the caller's hand, or (owners) lower another's (M18)
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/HandStatus"}
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
      /meetings/{meetingId}/startRecording:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        post:
          tags: [meetings]
          operationId: startRecording
          summary: Start recording (M16); owners who are participants, not guests. No request body.
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /meetings/{meetingId}/stopRecording:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        post:
          tags: [meetings]
          operationId: stopRecording
          summary: Stop recording (M17); owners who are participants, not guests
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/RecordingFields"}
          responses:
            "204": {$ref: "#/components/responses/NoContent"}
            "400": {$ref: "#/components/responses/BadRequest"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}
            "413": {$ref: "#/components/responses/PayloadTooLarge"}
            "424": {$ref: "#/components/responses/FailedDependency"}
      /public/meetings/{meetingId}:
        parameters:
          - {$ref: "#/components/parameters/meetingId"}
        get:
          tags: [meetings]
          operationId: getPublicMeeting
          summary: Name of a scheduled meeting, for the guest access page (M19); no token needed
          security:
            - {}
            - cookieAuth: []
            - bearerAuth: []
          responses:
            "200":
              description: The meeting's name.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/PublicMeeting"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "404": {$ref: "#/components/responses/NotFound"}
      /rooms/{roomId}/meeting:
        parameters:
          - {$ref: "#/components/parameters/roomId"}
        get:
          tags: [meetings]
          operationId: getRoomMeeting
          summary: The meeting of a room (M20); room members only
          responses:
            "200":
              description: The meeting.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Meeting"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "403": {$ref: "#/components/responses/Forbidden"}
            "404": {$ref: "#/components/responses/NotFound"}

    """#
}
