extension SessionDescription {
    /// Writes the description with CRLF line endings, lines in RFC 8866 §5 order
    /// (v o s i u e p c b t r z k a, then each m-section: m i c b k a).
    public func serialized() -> String {
        var out = ""
        out.reserveCapacity(2048)
        func line(_ type: Character, _ value: String) {
            out.append(type)
            out.append("=")
            out.append(value)
            out.append("\r\n")
        }
        func other(_ lines: [SDPLine], _ types: Set<Character>) {
            for entry in lines where types.contains(entry.type) { line(entry.type, entry.value) }
        }
        func writeAttributes(_ list: [SDPAttribute]) {
            for attribute in list { line("a", attribute.value.map { "\(attribute.name):\($0)" } ?? attribute.name) }
        }
        func writeConnection(_ c: SDPConnection?) {
            if let c { line("c", "\(c.networkType) \(c.addressType) \(c.address)") }
        }
        func writeBandwidths(_ list: [SDPBandwidth]) {
            for bandwidth in list { line("b", "\(bandwidth.type):\(bandwidth.value)") }
        }

        line("v", "0")
        line("o", "\(origin.username) \(origin.sessionId) \(origin.sessionVersion) "
            + "\(origin.networkType) \(origin.addressType) \(origin.address)")
        line("s", sessionName)
        other(otherLines, ["i", "u", "e", "p"])
        writeConnection(self.connection)
        writeBandwidths(self.bandwidths)
        line("t", timing)
        other(otherLines, ["r", "z", "k"])
        writeAttributes(self.attributes)
        for section in media {
            let port = section.portCount.map { "\(section.port)/\($0)" } ?? "\(section.port)"
            line("m", ([section.kind.token, port, section.proto] + section.formats).joined(separator: " "))
            other(section.otherLines, ["i"])
            writeConnection(section.connection)
            writeBandwidths(section.bandwidths)
            other(section.otherLines, ["k"])
            writeAttributes(section.attributes)
        }
        return out
    }
}
