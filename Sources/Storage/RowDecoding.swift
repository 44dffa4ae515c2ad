import Foundation
import Meetings
import SQLKit

extension UUID {
    /// Storage form: lowercase text.
    var dbText: String { uuidString.lowercased() }
}

extension RoomType { var dbText: String { rawValue.uppercased() } }
extension MeetingType { var dbText: String { rawValue.uppercased() } }
extension UserType { var dbText: String { rawValue.uppercased() } }

extension SQLRow {
    /// A non-null UUID stored as text.
    func uuid(_ column: String, table: String) throws -> UUID {
        let text = try decode(column: column, as: String.self)
        guard let id = UUID(uuidString: text) else { throw StorageError.corruptValue(table: table, column: column, value: text) }
        return id
    }

    /// A nullable UUID stored as text.
    func optionalUUID(_ column: String, table: String) throws -> UUID? {
        try decodeNil(column: column) ? nil : uuid(column, table: table)
    }

    /// A nullable value.
    func optional<T: Decodable>(_ column: String, as type: T.Type) throws -> T? {
        try decodeNil(column: column) ? nil : decode(column: column, as: T.self)
    }

    /// An enum stored as text, parsed with `parse`.
    func enumValue<T>(_ column: String, table: String, parse: (String) -> T?) throws -> T {
        let text = try decode(column: column, as: String.self)
        guard let value = parse(text) else { throw StorageError.corruptValue(table: table, column: column, value: text) }
        return value
    }
}
