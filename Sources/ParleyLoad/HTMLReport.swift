import Foundation

/// A self-contained HTML page for a `LoadReport`: the summary table and inline SVG line plots of
/// participants joined/flowing, bitrate, loss and delay over time. No external assets, no script.
public enum HTMLReport {
    public static func render(_ report: LoadReport) -> String {
        let t = report.timeline
        var html = """
        <!doctype html><html><head><meta charset="utf-8"><title>parley-load report</title>
        <style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}pre{background:#f6f6f6;padding:12px;white-space:pre-wrap}
        h2{font-size:16px;margin-top:28px}svg{background:#fff;border:1px solid #ddd}
        .legend span{margin-right:14px}</style></head><body>
        <h1>parley-load: \(escape(report.options.target.rawValue)) — \(escape(report.startedAt))</h1>
        <pre>\(escape(report.summaryTable()))</pre>

        """
        html += plot(title: "Participants", unit: "", t: t, series: [
            ("joined", "#1f77b4", t.map { Double($0.joined) }),
            ("flowing", "#2ca02c", t.map { Double($0.flowing) }),
            ("failed", "#d62728", t.map { Double($0.failed) }),
        ])
        html += plot(title: "Bitrate", unit: "Mbit/s", t: t, series: [
            ("sent", "#1f77b4", t.map { $0.sentBitsPerSecond / 1e6 }),
            ("received", "#ff7f0e", t.map { $0.receivedBitsPerSecond / 1e6 }),
        ], minimumMax: 0.1)
        html += plot(title: "Video packet loss", unit: "%", t: t, series: [
            ("loss", "#d62728", t.map { $0.lossPercent }),
        ])
        html += plot(title: "End-to-end frame delay", unit: "ms", t: t, series: [
            ("p50", "#2ca02c", t.map { $0.delayP50Ms ?? .nan }),
            ("p95", "#9467bd", t.map { $0.delayP95Ms ?? .nan }),
        ])
        if t.contains(where: { $0.serverCPUPercent != nil }) {
            html += plot(title: "Server CPU", unit: "% of a core", t: t, series: [
                ("cpu", "#8c564b", t.map { $0.serverCPUPercent ?? .nan }),
            ])
            html += plot(title: "Server memory (RSS)", unit: "MiB", t: t, series: [
                ("rss", "#7f7f7f", t.map { $0.serverRSSMiB ?? .nan }),
            ])
        }
        html += "<h2>Participants</h2><table border=1 cellspacing=0 cellpadding=3><tr><th>#</th><th>meeting</th><th>pub</th>"
            + "<th>join ms</th><th>first frame ms</th><th>sent pkts</th><th>recv pkts</th><th>loss %</th><th>jitter ms</th>"
            + "<th>delay p50/p99 ms</th><th>frames recv/exp</th><th>streams</th><th>failure</th></tr>"
        for p in report.participants.prefix(2000) {
            let delay = [p.delay.percentile(0.5), p.delay.percentile(0.99)].map { $0.map { String(format: "%.1f", $0) } ?? "-" }.joined(separator: "/")
            html += "<tr><td>\(p.index)</td><td>\(p.meeting)</td><td>\(p.publisher ? "yes" : "")</td>"
                + "<td>\(p.joinLatencyMs.map { String(format: "%.0f", $0) } ?? "-")</td>"
                + "<td>\(p.timeToFirstFrameMs.map { String(format: "%.0f", $0) } ?? "-")</td>"
                + "<td>\(p.videoPacketsSent + p.audioPacketsSent)</td><td>\(p.videoPacketsReceived + p.audioPacketsReceived)</td>"
                + "<td>\(String(format: "%.2f", p.lossFraction * 100))</td><td>\(String(format: "%.2f", p.jitterMs))</td>"
                + "<td>\(delay)</td><td>\(p.framesReceived)/\(p.framesExpected)</td><td>\(p.streamsFlowing)/\(p.streamsExpected)</td>"
                + "<td>\(escape([p.failedStep, p.failure].compactMap { $0 }.joined(separator: ": ")))</td></tr>"
        }
        html += "</table></body></html>\n"
        return html
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// One SVG line chart: x = seconds, y from 0 to the series maximum; NaN values leave gaps.
    static func plot(title: String, unit: String, t: [TimePoint], series: [(String, String, [Double])],
                     minimumMax: Double = 1) -> String {
        let width = 720.0, height = 220.0, left = 56.0, right = 12.0, top = 12.0, bottom = 28.0
        let xs = t.map(\.t)
        let xMax = max(1, xs.max() ?? 1)
        let yMax = max(minimumMax, series.flatMap { $0.2.filter { $0.isFinite } }.max() ?? 0) * 1.1
        func px(_ x: Double) -> Double { left + x / xMax * (width - left - right) }
        func py(_ y: Double) -> Double { height - bottom - y / yMax * (height - top - bottom) }
        var svg = "<h2>\(escape(title))\(unit.isEmpty ? "" : " (\(escape(unit)))")</h2>"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        for i in 0...4 {
            let y = yMax * Double(i) / 4
            svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", left, py(y), width - right, py(y))
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%@</text>", left - 4, py(y) + 3,
                          y >= 100 ? String(format: "%.0f", y) : String(format: "%.2g", y))
        }
        for i in 0...5 {
            let x = xMax * Double(i) / 5
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%.0fs</text>", px(x), height - 10, x)
        }
        for (name, colour, values) in series {
            var path = ""
            var pen = false
            for (x, y) in zip(xs, values) {
                guard y.isFinite else { pen = false; continue }
                path += String(format: "%@%.1f,%.1f ", pen ? "L" : "M", px(x), py(y))
                pen = true
            }
            if !path.isEmpty { svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\"><title>\(escape(name))</title></path>" }
        }
        svg += "</svg><div class=\"legend\">"
        for (name, colour, _) in series { svg += "<span style=\"color:\(colour)\">■ \(escape(name))</span>" }
        return svg + "</div>\n"
    }
}
