import CVPX

/// Errors from the libvpx VP8 encoder wrapper.
public enum VP8EncoderError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    /// libvpx status code (vpx_codec_err_t) and the call that returned it.
    case codec(call: String, code: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let m): return "VP8 encoder configuration: \(m)"
        case .codec(let call, let code): return "libvpx \(call) failed with status \(code)"
        }
    }
}

/// One encoded VP8 frame.
public struct EncodedVP8Frame: Sendable, Equatable {
    public var data: [UInt8]
    public var isKeyframe: Bool
}

/// A real-time libvpx VP8 encoder (CBR, no lag, error resilient) for I420 frames.
/// Not thread-safe; create one per thread.
public final class VP8Encoder {
    public let width: Int
    public let height: Int
    /// Target bitrate in bits/s.
    public let bitrate: Int
    public let framesPerSecond: Int
    private var context = vpx_codec_ctx_t()
    private var image: UnsafeMutablePointer<vpx_image_t>
    private var pts: Int64 = 0

    /// - Parameters:
    ///   - width, height: even, 16…1920 × 16…1080.
    ///   - bitrate: bits/s, 50 000…20 000 000.
    ///   - keyframeInterval: maximum frames between keyframes.
    /// - Throws: `VP8EncoderError` for out-of-range values or a libvpx failure.
    public init(width: Int, height: Int, bitrate: Int, framesPerSecond: Int = 30, keyframeInterval: Int = 300) throws {
        guard (16...1920).contains(width), (16...1080).contains(height), width % 2 == 0, height % 2 == 0 else {
            throw VP8EncoderError.invalidConfiguration("size \(width)x\(height) (even, 16…1920 × 16…1080)")
        }
        guard (50_000...20_000_000).contains(bitrate) else {
            throw VP8EncoderError.invalidConfiguration("bitrate \(bitrate) bit/s (50 000…20 000 000)")
        }
        guard (1...60).contains(framesPerSecond) else {
            throw VP8EncoderError.invalidConfiguration("frame rate \(framesPerSecond) (1…60)")
        }
        self.width = width
        self.height = height
        self.bitrate = bitrate
        self.framesPerSecond = framesPerSecond
        var config = vpx_codec_enc_cfg_t()
        var status = vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &config, 0)
        guard status == VPX_CODEC_OK else { throw VP8EncoderError.codec(call: "vpx_codec_enc_config_default", code: Int(status.rawValue)) }
        config.g_w = UInt32(width)
        config.g_h = UInt32(height)
        config.g_timebase = vpx_rational(num: 1, den: Int32(framesPerSecond))
        config.rc_target_bitrate = UInt32(bitrate / 1000)
        config.rc_end_usage = VPX_CBR
        config.g_lag_in_frames = 0
        config.g_error_resilient = vpx_codec_er_flags_t(VPX_ERROR_RESILIENT_DEFAULT)
        config.g_threads = 1
        config.kf_mode = VPX_KF_AUTO
        config.kf_max_dist = UInt32(max(1, keyframeInterval))
        status = parley_vpx_enc_init(&context, &config)
        guard status == VPX_CODEC_OK else { throw VP8EncoderError.codec(call: "vpx_codec_enc_init", code: Int(status.rawValue)) }
        _ = parley_vpx_set_cpuused(&context, 8)
        guard let img = vpx_img_alloc(nil, VPX_IMG_FMT_I420, UInt32(width), UInt32(height), 16) else {
            vpx_codec_destroy(&context)
            throw VP8EncoderError.codec(call: "vpx_img_alloc", code: -1)
        }
        image = img
    }

    deinit {
        vpx_img_free(image)
        vpx_codec_destroy(&context)
    }

    /// Encodes one frame whose planes `fill` writes: it is called with the Y, U and V plane base
    /// pointers and their strides (bytes per row); Y is `width`×`height`, U/V half size each way.
    /// - Parameter forceKeyframe: request an intra frame.
    /// - Returns: the frame(s) libvpx produced (normally exactly one).
    /// - Throws: `VP8EncoderError.codec` when vpx_codec_encode fails.
    public func encode(forceKeyframe: Bool = false,
                       fill: (_ y: UnsafeMutablePointer<UInt8>, _ yStride: Int,
                              _ u: UnsafeMutablePointer<UInt8>, _ v: UnsafeMutablePointer<UInt8>, _ uvStride: Int) -> Void)
        throws -> [EncodedVP8Frame] {
        let img = image.pointee
        if let y = img.planes.0, let u = img.planes.1, let v = img.planes.2 {
            fill(y, Int(img.stride.0), u, v, Int(img.stride.1))
        }
        let flags: vpx_enc_frame_flags_t = forceKeyframe ? 1 : 0   // VPX_EFLAG_FORCE_KF
        let status = vpx_codec_encode(&context, image, pts, 1, flags, UInt(VPX_DL_REALTIME))
        pts += 1
        guard status == VPX_CODEC_OK else { throw VP8EncoderError.codec(call: "vpx_codec_encode", code: Int(status.rawValue)) }
        var frames: [EncodedVP8Frame] = []
        var iterator: vpx_codec_iter_t? = nil
        while let packet = vpx_codec_get_cx_data(&context, &iterator) {
            guard packet.pointee.kind == VPX_CODEC_CX_FRAME_PKT else { continue }
            let frame = packet.pointee.data.frame
            guard let buf = frame.buf, frame.sz > 0 else { continue }
            let bytes = Array(UnsafeRawBufferPointer(start: buf, count: Int(frame.sz)))
            frames.append(EncodedVP8Frame(data: bytes, isKeyframe: frame.flags & 0x1 != 0))   // VPX_FRAME_IS_KEY
        }
        return frames
    }
}
