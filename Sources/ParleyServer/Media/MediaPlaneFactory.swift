import Logging
import ServiceLifecycle

/// Builds the media plane (the in-process SFU on the configured UDP address) and the service
/// that shuts it down.
/// - Throws: bind errors for `mediaHost:mediaPort`, `DTLSError` when OpenSSL fails.
func makeMediaPlane(config: ParleyConfig, logger: Logger) throws -> (plane: any MeetingMediaPlane, service: any Service) {
    var mediaLogger = logger
    mediaLogger[metadataKey: "component"] = "media"
    let plane = try SFUMediaPlane(host: config.mediaHost, port: config.mediaPort,
                                  announcedAddress: config.announcedAddress, audioSampleRate: config.audioSampleRate,
                                  roomBitrate: config.roomBitrate, logger: mediaLogger)
    return (plane, MediaPlaneService(plane: plane))
}
