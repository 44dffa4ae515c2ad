extension OpenAPIDocument {
    /// Security schemes, shared parameters and responses, and the JSON schemas (spec §1.2
    /// "Meeting JSON", "Participant JSON", §1.3 "Room JSON", seed fragment field names and
    /// limits). Response objects list exactly the fields Parley sends
    /// (`additionalProperties: false`); request objects accept unknown fields.
    static let components = #"""
    components:
      securitySchemes:
        cookieAuth:
          type: apiKey
          in: cookie
          name: ZM_AUTH_TOKEN
        bearerAuth:
          type: http
          scheme: bearer
      parameters:
        meetingId:
          name: meetingId
          in: path
          required: true
          description: Meeting id; a value that is not a UUID is 404.
          schema: {type: string, format: uuid}
        roomId:
          name: roomId
          in: path
          required: true
          description: Room id; a value that is not a UUID is 404.
          schema: {type: string, format: uuid}
        userId:
          name: userId
          in: path
          required: true
          description: User id; a value that is not a UUID is 404.
          schema: {type: string, format: uuid}
        queueIdRequired:
          name: queue-id
          in: header
          required: true
          description: The queueId of the caller's /events WebSocket (400 when absent, 401 when not a UUID).
          schema: {type: string, format: uuid}
      responses:
        NoContent:
          description: Done (no body).
        BadRequest:
          description: Malformed JSON, a missing or invalid field, or a request the rules refuse (empty body).
        BadRequestOrSDP:
          description: >
            Malformed JSON or field (empty body), or an SDP the media plane refuses (the reason as
            text/plain).
        Unauthorized:
          description: No token, an invalid or expired token, or a queue-id that is not a UUID (empty body).
        Forbidden:
          description: A guest on an internal-only endpoint, not a room member, or not an owner (empty body).
        NotFound:
          description: No such entity, the caller is not a participant, or a path id that is not a UUID (empty body).
        Conflict:
          description: A conflicting state (meeting already exists, one_to_one exists, already joined) (empty body).
        PayloadTooLarge:
          description: Request body over 1 MiB (empty body).
        FailedDependency:
          description: The media plane or a mandatory dependency failed (empty body).
      schemas:
        Uuid:
          type: string
          format: uuid
        Timestamp:
          type: string
          format: date-time
          description: RFC 3339 in UTC with Z, milliseconds when not whole seconds.
        Meeting:
          type: object
          additionalProperties: false
          required: [id, roomId, active, participants, createdAt, meetingType]
          properties:
            id: {$ref: "#/components/schemas/Uuid"}
            name: {type: string}
            roomId: {$ref: "#/components/schemas/Uuid"}
            active: {type: boolean}
            participants:
              type: array
              items: {$ref: "#/components/schemas/Participant"}
            createdAt: {$ref: "#/components/schemas/Timestamp"}
            startedAt: {$ref: "#/components/schemas/Timestamp"}
            meetingType: {type: string, enum: [permanent, scheduled]}
            recStartedAt: {$ref: "#/components/schemas/Timestamp"}
            recUserId: {$ref: "#/components/schemas/Uuid"}
        Participant:
          type: object
          additionalProperties: false
          required: [userId, queueId, audioStreamEnabled, videoStreamEnabled, screenStreamEnabled, joinedAt]
          properties:
            userId: {$ref: "#/components/schemas/Uuid"}
            queueId: {$ref: "#/components/schemas/Uuid"}
            audioStreamEnabled: {type: boolean}
            videoStreamEnabled: {type: boolean}
            screenStreamEnabled: {type: boolean}
            joinedAt: {$ref: "#/components/schemas/Timestamp"}
            handRaisedAt: {$ref: "#/components/schemas/Timestamp"}
        NewMeetingData:
          type: object
          required: [name, meetingType, roomId]
          properties:
            name: {type: string, minLength: 1, maxLength: 128}
            meetingType: {type: string, enum: [permanent, scheduled], description: Any letter case.}
            roomId: {$ref: "#/components/schemas/Uuid"}
            expiration:
              allOf: [{$ref: "#/components/schemas/Timestamp"}]
              description: Scheduled meetings only; an expired meeting is stopped and deleted.
        JoinSettings:
          type: object
          required: [audioStreamEnabled, videoStreamEnabled]
          properties:
            audioStreamEnabled: {type: boolean}
            videoStreamEnabled: {type: boolean}
        JoinStatus:
          type: object
          additionalProperties: false
          required: [status]
          properties:
            status: {type: string, enum: [ACCEPTED, WAITING]}
        WaitingQueue:
          type: object
          additionalProperties: false
          required: [users]
          properties:
            users:
              type: array
              items: {$ref: "#/components/schemas/Uuid"}
        QueueDecision:
          type: object
          required: [status]
          properties:
            status: {type: string, enum: [ACCEPTED, REJECTED], description: Any letter case.}
        MediaStreamSettings:
          type: object
          required: [type, enabled]
          description: sdp (an SDP offer) is required when enabled is true.
          properties:
            type: {type: string, enum: [video, screen]}
            enabled: {type: boolean}
            sdp: {type: string}
        SessionDescription:
          type: object
          required: [sdp]
          properties:
            sdp: {type: string, minLength: 1}
        MediaStream:
          type: object
          required: [userId, type]
          properties:
            userId: {$ref: "#/components/schemas/Uuid"}
            type: {type: string, enum: [video, screen]}
        SubscriptionUpdates:
          type: object
          required: [subscribe, unsubscribe]
          description: At least one of the lists is not empty.
          properties:
            subscribe:
              type: array
              items: {$ref: "#/components/schemas/MediaStream"}
            unsubscribe:
              type: array
              items: {$ref: "#/components/schemas/MediaStream"}
        AudioStreamSettings:
          type: object
          required: [enabled]
          properties:
            enabled: {type: boolean}
            userToModerate:
              allOf: [{$ref: "#/components/schemas/Uuid"}]
              description: Owners only, and only with enabled false (mute someone else).
        HandStatus:
          type: object
          required: [raised]
          properties:
            raised: {type: boolean}
            userToModerate:
              allOf: [{$ref: "#/components/schemas/Uuid"}]
              description: Owners only, and only with raised false (lower someone else's hand).
        RecordingFields:
          type: object
          required: [name, folderId]
          properties:
            name: {type: string, minLength: 1, maxLength: 128}
            folderId: {type: string, minLength: 1}
        PublicMeeting:
          type: object
          additionalProperties: false
          properties:
            name: {type: string}
        Room:
          type: object
          additionalProperties: false
          required: [id, type, createdAt, updatedAt]
          properties:
            id: {$ref: "#/components/schemas/Uuid"}
            name: {type: string}
            description: {type: string}
            type: {type: string, enum: [group, one_to_one, temporary]}
            meetingId: {$ref: "#/components/schemas/Uuid"}
            createdAt: {$ref: "#/components/schemas/Timestamp"}
            updatedAt: {$ref: "#/components/schemas/Timestamp"}
            pictureUpdatedAt: {$ref: "#/components/schemas/Timestamp"}
            members:
              type: array
              items: {$ref: "#/components/schemas/RoomMember"}
            userSettings: {$ref: "#/components/schemas/RoomUserSettings"}
        RoomMember:
          type: object
          additionalProperties: false
          required: [userId, owner]
          properties:
            userId: {$ref: "#/components/schemas/Uuid"}
            owner: {type: boolean}
        RoomUserSettings:
          type: object
          additionalProperties: false
          required: [muted]
          properties:
            muted: {type: boolean}
            clearedAt: {$ref: "#/components/schemas/Timestamp"}
        RoomCreationFields:
          type: object
          required: [type]
          description: >
            group and temporary need a name; one_to_one takes neither name nor description and
            exactly one other member; group needs 2 to maxGroupMembers other members.
          properties:
            type: {type: string, enum: [group, one_to_one, temporary], description: Any letter case.}
            name: {type: string, minLength: 1, maxLength: 128}
            description: {type: string, maxLength: 256}
            members:
              type: array
              items: {$ref: "#/components/schemas/MemberOwnerFields"}
        RoomEditableFields:
          type: object
          minProperties: 1
          description: At least one of the fields.
          properties:
            name: {type: string, minLength: 1, maxLength: 128}
            description: {type: string, maxLength: 256}
        MemberOwnerFields:
          type: object
          required: [userId]
          properties:
            userId: {$ref: "#/components/schemas/Uuid"}
            owner: {type: boolean, default: false}
        MemberToInsert:
          type: object
          required: [userId]
          properties:
            userId: {$ref: "#/components/schemas/Uuid"}
            owner: {type: boolean, default: false}
            historyCleared: {type: boolean, default: false}
        MemberInserted:
          type: object
          additionalProperties: false
          required: [userId, owner]
          properties:
            userId: {$ref: "#/components/schemas/Uuid"}
            owner: {type: boolean}
            clearedAt: {$ref: "#/components/schemas/Timestamp"}
        ClearedAt:
          type: object
          additionalProperties: false
          required: [clearedAt]
          properties:
            clearedAt: {$ref: "#/components/schemas/Timestamp"}
        User:
          type: object
          additionalProperties: false
          required: [id, name, type]
          properties:
            id: {$ref: "#/components/schemas/Uuid"}
            email: {type: string}
            name: {type: string}
            type: {type: string, enum: [internal, guest]}
            statusMessage: {type: string}
        Capabilities:
          type: object
          additionalProperties: false
          required: [canSeeMessageReads, canSeeUsersPresence, canVideoCall, canVideoCallRecord,
            canUseVirtualBackground, editMessageTimeLimitInMinutes, deleteMessageTimeLimitInMinutes,
            maxGroupMembers, maxRoomImageSizeInKb, maxUserImageSizeInKb]
          properties:
            canSeeMessageReads: {type: boolean}
            canSeeUsersPresence: {type: boolean}
            canVideoCall: {type: boolean}
            canVideoCallRecord: {type: boolean}
            canUseVirtualBackground: {type: boolean}
            editMessageTimeLimitInMinutes: {type: integer, minimum: 0}
            deleteMessageTimeLimitInMinutes: {type: integer, minimum: 0}
            maxGroupMembers: {type: integer, minimum: 0}
            maxRoomImageSizeInKb: {type: integer, minimum: 0}
            maxUserImageSizeInKb: {type: integer, minimum: 0}
        AuthToken:
          type: object
          additionalProperties: false
          required: [zmToken]
          properties:
            zmToken: {type: string}
        GuestFields:
          type: object
          required: [name]
          properties:
            name: {type: string, minLength: 1, maxLength: 128}
        GuestCreated:
          type: object
          additionalProperties: false
          required: [id, zmToken, zxToken]
          properties:
            id: {$ref: "#/components/schemas/Uuid"}
            zmToken: {type: string}
            zxToken: {type: string, description: The same token as zmToken.}
        Health:
          type: object
          additionalProperties: false
          required: [isLive, isReady, dependencies]
          properties:
            isLive: {type: boolean}
            isReady: {type: boolean}
            dependencies:
              type: array
              items:
                type: object
                additionalProperties: false
                required: [name, type, isHealthy]
                properties:
                  name: {type: string}
                  type: {type: string, enum: [mandatory, optional]}
                  isHealthy: {type: boolean}

    """#
}
