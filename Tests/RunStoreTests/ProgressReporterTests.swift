import RunStore
import Testing

@Suite struct ProgressReporterTests {
    static func make(_ mode: ProgressReporter.Mode) -> (ProgressReporter, ManualClock, TextSink) {
        let clock = ManualClock()
        let sink = TextSink()
        let r = ProgressReporter(mode: mode, now: { clock.now }, write: { sink.write($0) })
        return (r, clock, sink)
    }

    @Test func lineModeStagesAndTenPercentSteps() {
        let (r, clock, sink) = Self.make(.lines)
        r.start(.plan, total: 0)
        clock.set(0.5)
        r.finish(detail: "4 symbols × 5 combinations")
        r.start(.fetch, total: 4)
        r.update(done: 4)
        clock.set(3)  // 2.5 s after the fetch started
        r.finish(detail: "4 loaded")

        clock.set(10)
        r.start(.backtest, total: 200)
        clock.set(11)
        r.update(done: 19)  // 9.5 %: no line
        clock.set(12)
        r.update(done: 20)  // 10 %: 20 in 2 s = 10/s, 180 left = 18 s
        r.update(done: 21)  // same decile: no line
        clock.set(15)
        r.update(done: 50)  // 25 %: 50 in 5 s = 10/s, 150 left = 15 s
        clock.set(30)
        r.update(done: 200)  // the end is reported by finish, not as a progress line
        r.finish()
        r.message("summary: 200 backtests")

        #expect(
            sink.text.split(separator: "\n", omittingEmptySubsequences: false) == [
                "plan: started",
                "plan: done in 0.5 s (4 symbols × 5 combinations)",
                "fetch: started (4)",
                "fetch: done 4/4 in 2.5 s (4 loaded)",
                "backtest: started (200)",
                "backtest: 20/200 (10 %), 10.0/s, ETA 18.0 s",
                "backtest: 50/200 (25 %), 10.0/s, ETA 15.0 s",
                "backtest: done 200/200 in 20.0 s",
                "summary: 200 backtests",
                "",
            ])
    }

    @Test func resumedStageCountsOnlyNewWork() {
        let (r, clock, sink) = Self.make(.lines)
        r.start(.backtest, total: 100, done: 40)
        clock.set(1)
        r.update(done: 50)  // 10 new in 1 s = 10/s; 50 left = 5 s
        clock.set(130)
        r.update(done: 60)  // 20 new in 130 s; 40 left at 20/130 per s = 260 s = 4:20
        #expect(
            sink.text == """
                backtest: started (100)
                backtest: 50/100 (50 %), 10.0/s, ETA 5.0 s
                backtest: 60/100 (60 %), 0.2/s, ETA 4:20

                """)
    }

    @Test func quietPrintsNothing() {
        let (r, clock, sink) = Self.make(.quiet)
        r.start(.backtest, total: 10)
        clock.set(1)
        r.update(done: 5)
        r.message("hello")
        r.finish()
        #expect(sink.writes.isEmpty)
    }

    @Test func barModeRedrawsOneLine() {
        let (r, clock, sink) = Self.make(.bar)
        let erase = "\u{1B}[K"
        r.start(.backtest, total: 200)
        #expect(sink.writes == ["\rbacktest [--------------------]   0/200   0 %\(erase)"])
        sink.reset()
        clock.set(10)
        r.update(done: 100)  // 10/s, 100 left → ETA 0:10; half the 20-character bar
        #expect(sink.writes == ["\rbacktest [##########----------] 100/200  50 %  10.0/s  ETA 0:10\(erase)"])
        sink.reset()
        clock.set(10.05)
        r.update(done: 101)  // within 0.1 s of the last draw: skipped
        #expect(sink.writes.isEmpty)
        r.message("warning: AAA has a gap")
        #expect(sink.writes.count == 1)
        #expect(
            sink.writes[0].hasPrefix(
                "\r\(erase)warning: AAA has a gap\n\rbacktest [##########----------] 101/200  50 %"))
        sink.reset()
        clock.set(20)
        r.update(done: 200)
        r.finish()
        #expect(sink.writes.last == "\rbacktest: done 200/200 in 20.0 s\(erase)\n")
    }
}
