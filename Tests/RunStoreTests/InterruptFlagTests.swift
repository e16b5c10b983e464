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

    // Real signals are tested against the stratopt binary (CLITests): signalling the shared test
    // process left libdispatch's signal thread waiting and hung the whole suite.
}
