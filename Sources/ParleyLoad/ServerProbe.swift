import Foundation

/// One reading of a local server process from /proc (Linux).
public struct ProcessSample: Sendable, Codable, Equatable {
    /// utime + stime in seconds.
    public var cpuSeconds: Double
    /// Resident set size in bytes (VmRSS).
    public var rssBytes: Int
}

/// Reads CPU time and memory of the server under test from `/proc/<pid>/stat` and
/// `/proc/<pid>/status`, and finds that pid from the TCP port it listens on
/// (`/proc/net/tcp{,6}` inode → `/proc/*/fd` socket links). Linux only; every read is
/// bounds-checked and returns nil rather than trapping.
public enum ServerProbe {
    /// Clock ticks per second for /proc stat fields.
    static let ticksPerSecond: Double = {
        let t = sysconf(Int32(_SC_CLK_TCK))
        return t > 0 ? Double(t) : 100
    }()

    public static func sample(pid: Int32) -> ProcessSample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let cpu = parseStatCPU(stat) else { return nil }
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return ProcessSample(cpuSeconds: cpu / ticksPerSecond, rssBytes: parseRSS(status) ?? 0)
    }

    /// utime + stime in ticks from a /proc/<pid>/stat line (fields 14 and 15, counted after the
    /// `(comm)` field, which may itself contain spaces and parentheses).
    public static func parseStatCPU(_ stat: String) -> Double? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is state (field 3): utime is field 14 → index 11, stime → index 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return user + system
    }

    /// VmRSS in bytes from /proc/<pid>/status.
    public static func parseRSS(_ status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, let kb = Int(parts[1]) else { return nil }
            return kb * 1024
        }
        return nil
    }

    /// The pid of the process with a socket listening on TCP `port` (root or same user needed).
    public static func pidListening(onTCPPort port: Int) -> Int32? {
        var inodes = Set<String>()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ")
                // local_address is f[1] ("0100007F:2710"), st is f[3] ("0A" = LISTEN), inode f[9].
                guard f.count > 9, f[3] == "0A", let colon = f[1].lastIndex(of: ":"),
                      Int(f[1][f[1].index(after: colon)...], radix: 16) == port else { continue }
                inodes.insert(String(f[9]))
            }
        }
        guard !inodes.isEmpty, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in entries {
            guard let pid = Int32(entry), let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(entry)/fd") else { continue }
            for fd in fds.prefix(65_536) {
                guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/fd/\(fd)"),
                      link.hasPrefix("socket:[") else { continue }
                let inode = link.dropFirst("socket:[".count).dropLast()
                if inodes.contains(String(inode)) { return pid }
            }
        }
        return nil
    }
}
