import XCTest
@testable import AudioMixer

final class TalkDetectorTests: XCTestCase {
    func testNoDecisionBeforeTheWindowIsFull() {
        var detector = TalkDetector()
        for _ in 0..<9 { XCTAssertNil(detector.update(level: 0)) }
        XCTAssertEqual(detector.update(level: 0), true)
        XCTAssertTrue(detector.isTalking)
    }

    func testHysteresisBetween55And65() {
        var detector = TalkDetector()
        // Average 60: inside the band, so a silent participant does not start.
        for _ in 0..<30 { XCTAssertNil(detector.update(level: 60)) }
        XCTAssertFalse(detector.isTalking)
        // Average 54: starts.
        var changes: [Bool] = []
        for _ in 0..<10 { if let c = detector.update(level: 54) { changes.append(c) } }
        XCTAssertEqual(changes, [true])
        // Average 64 (inside the band): keeps talking.
        for _ in 0..<30 { XCTAssertNil(detector.update(level: 64)) }
        XCTAssertTrue(detector.isTalking)
        // Average exactly 65: stops (the reference reports talking only below 65).
        changes = []
        for _ in 0..<10 { if let c = detector.update(level: 65) { changes.append(c) } }
        XCTAssertEqual(changes, [false])
    }

    func testSlidingWindowReactsWithinTenPackets() {
        var detector = TalkDetector()
        for _ in 0..<20 { _ = detector.update(level: 127) }
        var packetsToStart = 0
        while detector.update(level: 20) == nil { packetsToStart += 1 }
        // (k·20 + (10−k)·127)/10 < 55 ⇔ k > 6.7: the 7th loud packet starts talking.
        XCTAssertEqual(packetsToStart + 1, 7)
        for _ in 0..<20 { _ = detector.update(level: 20) }
        var packetsToStop = 0
        while detector.update(level: 127) == nil { packetsToStop += 1 }
        // (k·127 + (10−k)·20)/10 ≥ 65 ⇔ k ≥ 4.2: the 5th silent packet stops.
        XCTAssertEqual(packetsToStop + 1, 5)
    }

    func testResetReportsWhetherItWasTalkingAndValuesAbove127Clamp() {
        var detector = TalkDetector()
        for _ in 0..<10 { _ = detector.update(level: 10) }
        XCTAssertTrue(detector.reset())
        XCTAssertFalse(detector.isTalking)
        XCTAssertFalse(detector.reset())
        XCTAssertEqual(detector.averageLevel, 127)
        for _ in 0..<10 { _ = detector.update(level: 255) }
        XCTAssertEqual(detector.averageLevel, 127)
        // Inverted thresholds are corrected: stop is never below start.
        let odd = TalkDetector.Configuration(windowPackets: 0, startLevel: 70, stopLevel: 40)
        XCTAssertEqual(odd.windowPackets, 1)
        XCTAssertEqual(odd.stopLevel, 70)
    }
}

final class AudioLevelTests: XCTestCase {
    func testRFC6464LevelsOfKnownSignals() {
        XCTAssertEqual(AudioLevel.level(of: [Int16](repeating: 0, count: 960)), 127)
        XCTAssertEqual(AudioLevel.level(of: []), 127)
        // Full-scale square wave: 0 dBov.
        XCTAssertEqual(AudioLevel.level(of: (0..<960).map { $0 % 2 == 0 ? Int16.max : Int16.min }), 0)
        // Full-scale sine: RMS 1/√2 → −3 dBov.
        var fullSine = ToneGenerator(frequency: 1_000, amplitude: 32_767)
        XCTAssertEqual(AudioLevel.level(of: fullSine.frame(samples: 960)), 3)
        // Sine of amplitude 8000: 20·log10(8000/√2/32768) = −15.2 dBov.
        var sine = ToneGenerator(frequency: 440, amplitude: 8_000)
        XCTAssertEqual(AudioLevel.level(of: sine.frame(samples: 960)), 15)
        // One LSB of noise: about −90 dBov.
        XCTAssertEqual(AudioLevel.level(of: (0..<960).map { $0 % 2 == 0 ? 1 : -1 }), 90)
    }
}
