import Crypto
import Foundation

/// A simulated user: WSC user id and the token that authenticates it.
public struct LoadUser: Sendable, Equatable {
    /// Lowercase UUID (the JWT `sub`).
    public var id: String
    public var name: String
    public var token: String
}

/// Mints Parley tokens (JWT HS256 with `sub`, `name`, `email`, `type`, `exp`, as `parley token`
/// issues them; RFC 7519, RFC 7518 §3.2) or reads them from a file.
public enum TokenMinter {
    /// - Parameter ttl: seconds the token stays valid.
    public static func mint(secret: String, userId: String, name: String, ttl: TimeInterval = 6 * 3600,
                            now: Date = Date()) -> String {
        let header = #"{"alg":"HS256","typ":"JWT"}"#
        let exp = Int((now.timeIntervalSince1970 + ttl).rounded(.down))
        let claims: [String: Any] = ["sub": userId, "name": name, "email": "\(name.lowercased())@load.parley.test",
                                     "type": "internal", "exp": exp]
        let payload = (try? JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])) ?? Data()
        let signingInput = base64URL(Data(header.utf8)) + "." + base64URL(payload)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return signingInput + "." + base64URL(Data(mac))
    }

    /// The `sub` claim of a JWT, without verifying it (tokens from a file name their user).
    public static func subject(of token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = decodeBase64URL(String(parts[1])),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let sub = object["sub"] as? String, UUID(uuidString: sub) != nil else { return nil }
        return sub.lowercased()
    }

    /// `count` users: minted with `secret`, or the first `count` tokens of `file` (one per line,
    /// blank lines and `#` comments skipped).
    /// - Throws: `LoadOptions.ValidationError` when the file is unreadable, has too few tokens,
    ///   or a token has no UUID `sub`.
    public static func users(count: Int, secret: String?, file: String?, prefix: String) throws -> [LoadUser] {
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw LoadOptions.ValidationError(message: "--token-file \(file) cannot be read")
            }
            let tokens = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            guard tokens.count >= count else {
                throw LoadOptions.ValidationError(message: "--token-file has \(tokens.count) tokens, the run needs \(count)")
            }
            return try tokens.prefix(count).enumerated().map { index, token in
                guard let sub = subject(of: token) else {
                    throw LoadOptions.ValidationError(message: "--token-file line \(index + 1): not a JWT with a UUID sub")
                }
                return LoadUser(id: sub, name: "\(prefix)\(index)", token: token)
            }
        }
        let secret = secret ?? ""
        return (0..<count).map { index in
            let id = UUID().uuidString.lowercased()
            let name = "\(prefix)\(index)"
            return LoadUser(id: id, name: name, token: mint(secret: secret, userId: id, name: name))
        }
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: String) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}
