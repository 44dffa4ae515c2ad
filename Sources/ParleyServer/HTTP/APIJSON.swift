import Foundation
import Hummingbird

extension UUID {
    /// API form: lowercase (as the Java reference prints UUIDs).
    public var apiString: String { uuidString.lowercased() }
}

/// ISO-8601 / RFC 3339 timestamps in UTC with `Z` (spec §1.1), fractional seconds when present.
enum APIDate {
    private static let whole: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()

    private static let fractional: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    private static let lock = NSLock()

    /// `2024-03-18T13:23:17Z`, or `2024-03-18T13:23:17.250Z` with milliseconds when not whole.
    static func string(_ date: Date) -> String {
        lock.lock()
        defer { lock.unlock() }
        let seconds = date.timeIntervalSince1970
        return seconds == seconds.rounded(.down) ? whole.string(from: date) : fractional.string(from: date)
    }

    /// Parses RFC 3339 with or without fractional seconds; nil otherwise.
    static func parse(_ text: String) -> Date? {
        lock.lock()
        defer { lock.unlock() }
        return whole.date(from: text) ?? fractional.date(from: text)
    }
}

/// The JSON coders of the API.
enum APIJSON {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(APIDate.string(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = APIDate.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 date")
            }
            return date
        }
        return decoder
    }

    /// A response with a JSON body and `Content-Type` exactly `application/json` (the WSC web
    /// client compares the header string; Hummingbird's default appends a charset, spec §1.1).
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
