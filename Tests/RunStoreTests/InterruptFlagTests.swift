import Foundation
import RunStore
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct InterruptFlagTests {
    @Test func setByHand() {
        let flag = InterruptFlag.install(signals: [])
        #expect(!flag.isSet && flag.receivedSignal == nil)
        flag.set()
        #expect(flag.isSet && flag.receivedSignal == -1)
        flag.uninstall()
    }

    /// A real SIGINT sent to this process sets the flag; a second one takes the "exit now" path
    /// (replaced here, so the test process survives).
    @Test func sigintSetsTheFlagAndASecondOneEscalates() async {
        let (events, continuation) = AsyncStream<String>.makeStream()
        let flag = InterruptFlag.install(
            signals: [SIGINT], onSignal: { continuation.yield("first \($0)") },
            onSecondSignal: { continuation.yield("second \($0)") })
        defer { flag.uninstall() }
        #expect(!flag.isSet)
        var it = events.makeAsyncIterator()
        kill(getpid(), SIGINT)
        #expect(await it.next() == "first \(SIGINT)")
        #expect(flag.isSet && flag.receivedSignal == SIGINT)
        kill(getpid(), SIGINT)
        #expect(await it.next() == "second \(SIGINT)")
        #expect(flag.receivedSignal == SIGINT)
    }
}
