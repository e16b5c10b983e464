import DataSources
import Engine
import Foundation
import Market
import Reports
import RunStore
import Spec
import Strategies

/// Which part of a run a process computes: shard `index` (1-based) of `count`.
public struct ShardID: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(RunError) {
        guard count >= 1, count <= ShardID.maxCount else {
            throw RunError("the shard count must be 1 to \(ShardID.maxCount), got \(count)")
        }
        guard index >= 1, index <= count else {
            throw RunError("shard \(index)/\(count): K must be 1 to \(count) in K/N")
        }
        self.index = index
        self.count = count
    }

    /// At most this many shards (a merge reads every shard's folder).
    public static let maxCount = 10_000

    public var description: String { "\(index)/\(count)" }
    /// The default shard folder's name, `shard-0003-of-0004`-style (sorts in shard order).
    public var folderName: String {
        let w = String(count).count
        func pad(_ n: Int) -> String { String(repeating: "0", count: w - String(n).count) + String(n) }
        return "shard-\(pad(index))-of-\(pad(count))"
    }

    /// `K/N` as typed after `--shard`.
    public static func parse(_ text: String) throws(RunError) -> ShardID {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw RunError("--shard \(text): write K/N (e.g. 2/4), or auto to read the scheduler's environment")
        }
        return try ShardID(index: k, count: n)
    }

    /// `--shard auto`: a Slurm array task (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_MIN`,
    /// `SLURM_ARRAY_TASK_COUNT`) or a Kubernetes Indexed Job pod (`JOB_COMPLETION_INDEX`, 0-based, with
    /// `count` from `--shard-count`).
    public static func fromEnvironment(_ env: [String: String], count: Int?) throws(RunError) -> ShardID {
        if let idText = env["SLURM_ARRAY_TASK_ID"] {
            guard let id = Int(idText), let n = env["SLURM_ARRAY_TASK_COUNT"].flatMap({ Int($0) }) else {
                throw RunError(
                    "--shard auto: SLURM_ARRAY_TASK_ID=\(idText) but SLURM_ARRAY_TASK_COUNT is missing or not a number")
            }
            let first = env["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 1
            if let count, count != n {
                throw RunError("--shard-count \(count) differs from the Slurm array's SLURM_ARRAY_TASK_COUNT=\(n)")
            }
            let k = id - first + 1
            guard k >= 1, k <= n else {
                throw RunError(
                    "--shard auto: Slurm array task \(id) is not in \(first)…\(first + n - 1); submit a contiguous array such as --array=1-\(n)"
                )
            }
            return try ShardID(index: k, count: n)
        }
        if let idxText = env["JOB_COMPLETION_INDEX"] {
            guard let idx = Int(idxText) else {
                throw RunError("--shard auto: JOB_COMPLETION_INDEX=\(idxText) is not a number")
            }
            guard let count else {
                throw RunError(
                    "--shard auto in a Kubernetes Indexed Job needs --shard-count N (the Job's completions)")
            }
            return try ShardID(index: idx + 1, count: count)
        }
        throw RunError(
            "--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give --shard K/N"
        )
    }
}

/// The deterministic, balanced split of a plan's symbols over shards.
public enum ShardSplit {
    /// The shard (0-based) of each symbol: symbols by decreasing weight (ties in universe order), each to
    /// the shard with the least weight so far (ties to the lowest). Weight = bars × combinations, so shards
    /// take similar time; the same inputs always give the same split.
    public static func assign(weights: [Int], count: Int) -> [Int] {
        let order = weights.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
        var load = [Int](repeating: 0, count: count)
        var out = [Int](repeating: 0, count: weights.count)
        for i in order {
            var best = 0
            for s in 1..<max(1, count) where load[s] < load[best] { best = s }
            out[i] = best
            load[best] += weights[i]
        }
        return out
    }

    /// The symbols of `shard`, in universe order.
    static func symbols(of shard: ShardID, plan: RunPlan, barCounts: [String: Int]?) -> [String] {
        let sessions = max(1, plan.end.daysSinceEpoch - plan.historyStart.daysSinceEpoch + 1)
        let combos = max(1, plan.combinations.count)
        let weights = plan.symbols.map { (barCounts?[$0] ?? sessions) * combos }
        let owner = assign(weights: weights, count: shard.count)
        return plan.symbols.indices.filter { owner[$0] == shard.index - 1 }.map { plan.symbols[$0] }
    }
}

/// `shard.json`: what one shard computed, and everything a merge checks before trusting it.
public struct ShardManifest: Codable, Sendable {
    public var shardVersion = 1
    /// SHA-256 over the engine, the spec's text, the as-of date and the plan's symbols and combinations:
    /// shards merge only when it is the same.
    public var planFingerprint: String
    /// SHA-256 of the symbol → shard assignment, the same in every shard of one split.
    public var splitFingerprint: String
    public var shard: Int
    public var shardCount: Int
    /// `running` until the shard's results are written, then `complete`.
    public var status: String
    public var toolVersion: String
    public var engineVersion: String
    public var specPath: String
    public var specSHA256: String
    public var resolvedSpec: PipelineSpec
    public var asOf: String
    public var provider: String
    public var providerVariant: String
    /// The shard's symbols with their bars fingerprints (or why they have none), in universe order.
    public var symbols: [Manifest.SymbolEntry]
    public var backtests: Int
    public var computed: Int
    public var restored: Int
    public var startedAt: String
    public var finishedAt: String
    /// Present when the shard read a bars file (`--bars`).
    public var barsFile: String?

    enum CodingKeys: String, CodingKey {
        case shardVersion = "shard_version"
        case planFingerprint = "plan_fingerprint"
        case splitFingerprint = "split_fingerprint"
        case shard
        case shardCount = "shard_count"
        case status
        case toolVersion = "tool_version"
        case engineVersion = "engine_version"
        case specPath = "spec_path"
        case specSHA256 = "spec_sha256"
        case resolvedSpec = "resolved_spec"
        case asOf = "as_of"
        case provider
        case providerVariant = "provider_variant"
        case symbols, backtests, computed, restored
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case barsFile = "bars_file"
    }

    public static let fileName = "shard.json"

    public func write(to dir: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try enc.encode(self)
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: dir + "/" + Self.fileName), options: .atomic)
    }

    public static func read(from dir: String) throws(RunError) -> ShardManifest {
        let path = dir + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else {
            throw RunError("\(dir): no \(fileName); not a shard folder of `stratopt run SPEC --shard K/N`")
        }
        do {
            return try JSONDecoder().decode(ShardManifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw RunError("\(path) cannot be read (\(error.localizedDescription)); run the shard again")
        }
    }
}

/// What a shard run reports back.
public struct ShardOutcome: Sendable {
    public var shard: ShardID
    public var directory: String
    public var symbols: [String]
    public var backtests: Int
    public var counts: BacktestCounts
    /// The folder already held this shard, complete: nothing was computed again.
    public var alreadyComplete: Bool
    public var planFingerprint: String
}

/// The checkpoints of a shard, as files in its folder (`checkpoints/000001.bin`, …): a shard is resumed by
/// running the same command again, on whatever node the scheduler picks, with no database to share.
public struct FolderJournal: RunJournal {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    var folder: String { directory + "/checkpoints" }

    public func record(stage: RunStage, done: Int, total: Int) throws(RunError) {}

    func names() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.count == 10 && $0.hasSuffix(".bin") && Int($0.prefix(6)) != nil }.sorted()
    }

    public func checkpoints() throws(RunError) -> [Data] {
        var out: [Data] = []
        for name in names() {
            do { out.append(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))) } catch {
                throw RunError("cannot read the checkpoint \(folder)/\(name): \(error.localizedDescription)")
            }
        }
        return out
    }

    public func saveCheckpoint(_ payload: Data, done: Int, total: Int) throws(RunError) {
        let next = (names().last.flatMap { Int($0.prefix(6)) } ?? 0) + 1
        let name = String(format: "%06d.bin", next)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            // Written whole then renamed: a shard killed mid-write leaves no half checkpoint.
            try payload.write(to: URL(fileURLWithPath: folder + "/" + name), options: .atomic)
        } catch {
            throw RunError("cannot write the checkpoint \(folder)/\(name): \(error.localizedDescription)")
        }
    }

    public func clearCheckpoints() throws(RunError) {
        for name in names() { try? FileManager.default.removeItem(atPath: folder + "/" + name) }
        // A shard killed while writing a checkpoint leaves its temporary file (`.000002.bin…`) behind: the
        // folder is the shard's own, so those go too.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix(".") || name.contains(".bin") {
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
        if (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}

/// The byte forms of a shard folder's `bars.bin` (the shard's bars, for the merge's report) and
/// `results.bin` (its compact results with each job's identity, the checkpoint form).
enum ShardFiles {
    static let barsMagic: [UInt8] = Array("stratopt-shard-bars-1\n".utf8)
    static let barsName = "bars.bin"
    static let resultsName = "results.bin"

    static func encodeBars(_ series: [BarSeries]) -> [UInt8] {
        var w = ByteWriter()
        w.append(barsMagic)
        w.int(series.count)
        for s in series {
            w.string(s.symbol)
            w.int(s.count)
            for d in s.dates { w.int(d.daysSinceEpoch) }
            for column in [s.open, s.high, s.low, s.close, s.volume] { for v in column { w.double(v) } }
        }
        return w.bytes
    }

    static func decodeBars(_ bytes: [UInt8]) throws(CodecError) -> [BarSeries] {
        guard bytes.starts(with: barsMagic) else { throw CodecError("not a shard bars file of this version") }
        var r = ByteReader(bytes)
        _ = try r.take(barsMagic.count)
        let n = try r.int()
        guard n >= 0, n <= r.remaining else { throw CodecError("series count \(n) out of range") }
        var out: [BarSeries] = []
        for _ in 0..<n {
            let symbol = try r.string()
            let count = try r.int()
            guard count >= 0, count * 48 <= r.remaining else { throw CodecError("bar count \(count) out of range") }
            var dates: [SessionDate] = []
            dates.reserveCapacity(count)
            for _ in 0..<count { dates.append(SessionDate(daysSinceEpoch: try r.int())) }
            var columns: [[Double]] = []
            for _ in 0..<5 {
                var c: [Double] = []
                c.reserveCapacity(count)
                for _ in 0..<count { c.append(try r.double()) }
                columns.append(c)
            }
            out.append(
                BarSeries(
                    symbol: symbol, dates: dates, open: columns[0], high: columns[1], low: columns[2],
                    close: columns[3], volume: columns[4]))
        }
        guard r.atEnd else { throw CodecError("trailing bytes") }
        return out
    }
}

extension PipelineRunner {
    /// The plan's identity: shards of one run have the same, and a merge refuses any other.
    static func planFingerprint(_ input: SpecInput, plan: RunPlan, asOf: SessionDate) -> String {
        var text = "stratopt-plan-1\nengine \(EngineVersion.current)\nspec \(input.sha256)\nas_of \(asOf.iso)\n"
        text += "period \(plan.historyStart.iso) \(plan.start.iso) \(plan.end.iso)\nfolds \(plan.folds.count)\n"
        for s in plan.symbols { text += "symbol \(s)\n" }
        for c in plan.combinations { text += "combination \(c.strategy) \(c.parameters.description)\n" }
        return Hashing.sha256Hex(text.utf8)
    }

    static func splitFingerprint(_ plan: RunPlan, count: Int, barCounts: [String: Int]?) -> String {
        var text = "stratopt-split-1 \(count)\n"
        for k in 1...count {
            guard let id = try? ShardID(index: k, count: count) else { continue }
            text +=
                "\(k): " + ShardSplit.symbols(of: id, plan: plan, barCounts: barCounts).joined(separator: " ") + "\n"
        }
        return Hashing.sha256Hex(text.utf8)
    }

    /// One shard of a run (`stratopt run SPEC --shard K/N`): plans the whole run, loads and backtests this
    /// shard's symbols only, and writes `shard.json`, `bars.bin` and `results.bin` into `directory`.
    ///
    /// Resumable: checkpoints go to `directory/checkpoints/`; the same command again restores them (after
    /// checking the bars are the recorded ones) and computes the rest. A complete shard is not computed again.
    /// `barCounts` (a bars file's) weights the split; without it every symbol weighs the same.
    public func runShard(
        _ input: SpecInput, shard: ShardID, directory dir: String, context ctx: RunContext,
        barCounts: [String: Int]? = nil, barsFile: String? = nil
    ) async throws -> ShardOutcome {
        let (catalog, signalProblems) = UserStrategies.catalog(for: input.spec)
        return try await StrategyCatalog.$current.withValue(catalog) {
            try await shardStages(
                input, shard: shard, directory: dir, context: ctx, barCounts: barCounts, barsFile: barsFile,
                signalProblems: signalProblems)
        }
    }

    func shardStages(
        _ input: SpecInput, shard: ShardID, directory dir: String, context ctx: RunContext, barCounts: [String: Int]?,
        barsFile: String?, signalProblems: [String: [String]]
    ) async throws -> ShardOutcome {
        let env = environment
        let started = ctx.clock.now()
        let (plan, config) = try planStage(input, journal: nil)
        let planFP = Self.planFingerprint(input, plan: plan, asOf: env.asOf)
        let splitFP = Self.splitFingerprint(plan, count: shard.count, barCounts: barCounts)
        let mine = ShardSplit.symbols(of: shard, plan: plan, barCounts: barCounts)
        env.log("shard \(shard): \(Plural.count(mine.count, "symbol")) of \(plan.symbols.count) into \(dir)")

        // An earlier attempt of this shard: resume it, or say it is done; anything else is refused.
        var earlier: ShardManifest?
        if FileManager.default.fileExists(atPath: dir + "/" + ShardManifest.fileName) {
            let m = try ShardManifest.read(from: dir)
            guard m.planFingerprint == planFP, m.splitFingerprint == splitFP, m.shard == shard.index,
                m.shardCount == shard.count
            else {
                throw RunError(
                    "\(dir) holds shard \(m.shard)/\(m.shardCount) of another plan or split (plan \(m.planFingerprint.prefix(12))…, this one \(planFP.prefix(12))…); give this shard its own --shard-dir"
                )
            }
            if m.status == "complete" {
                env.log("shard \(shard): already complete in \(dir); nothing to do")
                return ShardOutcome(
                    shard: shard, directory: dir, symbols: mine, backtests: m.backtests,
                    counts: BacktestCounts(), alreadyComplete: true, planFingerprint: planFP)
            }
            earlier = m
        } else if let names = try? FileManager.default.contentsOfDirectory(atPath: dir), !names.isEmpty {
            throw RunError(
                "\(dir) already holds files and no \(ShardManifest.fileName); a shard writes only into a new or empty folder (give another --shard-dir)"
            )
        }

        let loaded = try await loadStage(
            input, plan: plan, symbols: mine, context: ctx, signalProblems: signalProblems)
        if let earlier {
            for e in earlier.symbols where e.status == .ok && loaded.fingerprints[e.symbol] != e.barsSHA256 {
                throw RunError(
                    "\(e.symbol): its bars are not the ones the first attempt of shard \(shard) used (fingerprint \(loaded.fingerprints[e.symbol].map { String($0.prefix(16)) } ?? "none")…, recorded \((e.barsSHA256 ?? "").prefix(16))…); the bars changed, so start the shard again in an empty --shard-dir"
                )
            }
        }
        let draft = manifestDraft(input, plan: plan, config: config, loaded: loaded, started: started)
        let mineSet = Set(mine)
        let entries = draft.make(status: .running, finishedAt: "", backtests: 0).symbols.filter {
            mineSet.contains($0.symbol)
        }
        var manifest = ShardManifest(
            planFingerprint: planFP, splitFingerprint: splitFP, shard: shard.index, shardCount: shard.count,
            status: "running", toolVersion: env.toolVersion, engineVersion: EngineVersion.current,
            specPath: input.path, specSHA256: input.sha256, resolvedSpec: draft.recordableSpec, asOf: env.asOf.iso,
            provider: provider.id, providerVariant: provider.cacheVariant, symbols: entries, backtests: 0, computed: 0,
            restored: 0, startedAt: earlier?.startedAt ?? Manifest.timestamp(started), finishedAt: "",
            barsFile: barsFile)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let bars = mine.compactMap { loaded.series[$0] }
            try Data(ShardFiles.encodeBars(bars)).write(
                to: URL(fileURLWithPath: dir + "/" + ShardFiles.barsName), options: .atomic)
            try manifest.write(to: dir)
        } catch {
            throw RunError("cannot write the shard folder \(dir): \(error.localizedDescription)")
        }

        let journal = FolderJournal(directory: dir)
        let (outcomes, counts) = try await backtestStage(
            plan.jobs.filter { mineSet.contains($0.symbol) }, batchSize: input.spec.batch.size, config: config,
            loaded: loaded, journal: journal, context: ctx)
        do {
            try Data(CheckpointCodec.encode(outcomes.map { ($0.job, $0.result) })).write(
                to: URL(fileURLWithPath: dir + "/" + ShardFiles.resultsName), options: .atomic)
            manifest.status = "complete"
            manifest.backtests = outcomes.count
            manifest.computed = counts.computed
            manifest.restored = counts.restored
            manifest.finishedAt = Manifest.timestamp(ctx.clock.now())
            try manifest.write(to: dir)
        } catch {
            throw RunError("cannot write the shard's results into \(dir): \(error.localizedDescription)")
        }
        try? journal.clearCheckpoints()
        return ShardOutcome(
            shard: shard, directory: dir, symbols: mine, backtests: outcomes.count, counts: counts,
            alreadyComplete: false, planFingerprint: planFP)
    }
}

/// Shard folders checked to be one whole run: the same plan and split, every shard exactly once, each
/// complete. Read before the merge's run is recorded, so a refused merge records nothing.
public struct ShardSet: Sendable {
    public var manifests: [ShardManifest]
    public var directories: [String]

    /// The first shard's manifest: the spec, as-of date and provider of the run.
    public var first: ShardManifest { manifests[0] }

    public static func load(_ dirs: [String]) throws(RunError) -> ShardSet {
        guard !dirs.isEmpty else { throw RunError("merge: give the shard folders to merge") }
        var manifests: [ShardManifest] = []
        for d in dirs { manifests.append(try ShardManifest.read(from: d)) }
        let first = manifests[0]
        for (d, m) in zip(dirs, manifests) {
            guard m.planFingerprint == first.planFingerprint, m.splitFingerprint == first.splitFingerprint,
                m.shardCount == first.shardCount
            else {
                throw RunError(
                    "merge: \(d) is shard \(m.shard)/\(m.shardCount) of another run (plan \(m.planFingerprint.prefix(12))…, spec \(m.specPath), as of \(m.asOf)) than \(dirs[0]) (plan \(first.planFingerprint.prefix(12))…, spec \(first.specPath), as of \(first.asOf)); merge the shards of one run only"
                )
            }
        }
        var byIndex: [Int: [String]] = [:]
        for (d, m) in zip(dirs, manifests) { byIndex[m.shard, default: []].append(d) }
        let n = first.shardCount
        let duplicates = byIndex.keys.sorted().filter { byIndex[$0]!.count > 1 }
        if !duplicates.isEmpty {
            throw RunError(
                "merge: duplicate shards: "
                    + duplicates.map { "\($0)/\(n) in \(byIndex[$0]!.joined(separator: " and "))" }.joined(
                        separator: "; ") + "; give each shard once")
        }
        let missing = (1...n).filter { byIndex[$0] == nil }
        if !missing.isEmpty {
            throw RunError(
                "merge: missing \(Plural.count(missing.count, "shard")) of \(n): "
                    + missing.prefix(20).map { "\($0)/\(n)" }.joined(separator: ", ")
                    + (missing.count > 20 ? " and \(missing.count - 20) more" : "")
                    + "; run them (`stratopt run SPEC --shard K/\(n)`) and give every shard folder")
        }
        let unfinished = zip(dirs, manifests).filter { $0.1.status != "complete" }
        if let (d, m) = unfinished.first {
            throw RunError(
                "merge: shard \(m.shard)/\(n) in \(d) is not finished (status \(m.status)); run the same `stratopt run … --shard \(m.shard)/\(n)` again to resume it"
            )
        }
        // In shard order from here on.
        let order = manifests.indices.sorted { manifests[$0].shard < manifests[$1].shard }
        return ShardSet(manifests: order.map { manifests[$0] }, directories: order.map { dirs[$0] })
    }
}

extension PipelineRunner {
    /// The runner of a merge: the spec's calendar and quality thresholds, no bar cache, and a provider that is
    /// never called (the bars come from the shard folders).
    public static func merging(environment: RunEnvironment, shards: ShardSet, spec: PipelineSpec) -> PipelineRunner {
        PipelineRunner(
            environment: environment, calendar: TradingCalendars.make(spec.data.calendar),
            provider: RecordedProvider(
                id: shards.first.provider, cacheVariant: shards.first.providerVariant,
                isSynthetic: spec.data.provider == .synthetic),
            cache: nil, offline: true, qualityThresholds: SpecMapping.qualityThresholds(spec))
    }

    /// The merge of complete shards (`stratopt merge`): the rank, report and execute stages of the run chain
    /// on every shard's results, in plan order, so the result files are the bytes of one unsharded run.
    /// `input` is the spec the shards recorded and `environment.asOf` their as-of date.
    public func merge(_ shards: ShardSet, input: SpecInput, context ctx: RunContext) async throws -> RunOutcome {
        try await announced(input, context: ctx) { _ in try await mergeStages(shards, input: input, context: ctx) }
    }

    func mergeStages(_ shards: ShardSet, input: SpecInput, context ctx: RunContext) async throws -> RunOutcome {
        let env = environment
        let started = ctx.clock.now()
        let (plan, config) = try planStage(input, journal: ctx.journal)
        let planFP = Self.planFingerprint(input, plan: plan, asOf: env.asOf)
        guard planFP == shards.first.planFingerprint else {
            throw RunError(
                "merge: the shards' plan (\(shards.first.planFingerprint.prefix(12))…) is not the one this stratopt makes of their spec and as-of date (\(planFP.prefix(12))…); merge with the stratopt version the shards ran (\(shards.first.toolVersion))"
            )
        }
        // Every symbol of the plan in exactly one shard.
        var owner: [String: Int] = [:]
        for m in shards.manifests {
            for e in m.symbols {
                if let other = owner[e.symbol] {
                    throw RunError(
                        "merge: \(e.symbol) is in shard \(other)/\(m.shardCount) and \(m.shard)/\(m.shardCount)")
                }
                owner[e.symbol] = m.shard
            }
        }
        if let lost = plan.symbols.first(where: { owner[$0] == nil }) {
            throw RunError("merge: no shard holds \(lost) of the plan")
        }
        try ctx.journal?.record(stage: .fetch, done: 0, total: plan.symbols.count)
        ctx.progress.start(.fetch, total: plan.symbols.count, done: 0)
        var series: [String: BarSeries] = [:]
        var entries: [String: Manifest.SymbolEntry] = [:]
        var results: [Int: CheckpointCodec.Entry] = [:]
        for (dir, m) in zip(shards.directories, shards.manifests) {
            for e in m.symbols { entries[e.symbol] = e }
            let bars: [BarSeries]
            let decoded: [CheckpointCodec.Entry]
            do {
                bars = try ShardFiles.decodeBars(
                    [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + ShardFiles.barsName))))
                decoded = try CheckpointCodec.decode(
                    try Data(contentsOf: URL(fileURLWithPath: dir + "/" + ShardFiles.resultsName)))
            } catch {
                throw RunError(
                    "merge: shard \(m.shard)/\(m.shardCount) in \(dir) cannot be read (\(error)); run it again")
            }
            for b in bars {
                guard let e = entries[b.symbol], owner[b.symbol] == m.shard, e.barsSHA256 == Hashing.fingerprint(b)
                else {
                    throw RunError(
                        "merge: \(dir)/\(ShardFiles.barsName): the bars of \(b.symbol) are not the ones shard \(m.shard) recorded; run the shard again"
                    )
                }
                series[b.symbol] = b
            }
            for r in decoded { results[r.index] = r }
        }
        ctx.progress.update(done: plan.symbols.count)
        ctx.progress.finish(detail: "\(series.count) from \(Plural.count(shards.manifests.count, "shard"))")
        var outcomes: [BacktestStage.Outcome] = []
        for job in plan.jobs where series[job.symbol] != nil {
            guard let r = results[job.index], r.symbol == job.symbol, r.strategy == job.strategy,
                r.params == job.parameters.description
            else {
                throw RunError(
                    "merge: shard \(owner[job.symbol] ?? 0) has no result for backtest \(job.index) (\(job.symbol) \(job.strategy) \(job.parameters)); run that shard again"
                )
            }
            outcomes.append(BacktestStage.Outcome(job: job, result: r.result))
        }
        var issues: [SymbolIssue] = []
        for sym in plan.symbols {
            guard let e = entries[sym], e.status != .ok else { continue }
            issues.append(
                SymbolIssue(
                    symbol: sym, kind: e.status == .quarantined ? .quarantined : .failed,
                    reasons: e.reasons ?? [e.reason ?? ""]))
        }
        let fingerprints = entries.compactMapValues { $0.status == .ok ? $0.barsSHA256 : nil }
        let tradingStart = series.compactMapValues { b -> Int? in
            let i = b.dates.firstIndex { $0 >= plan.start } ?? b.count
            return i > 0 ? i : nil
        }
        let catalog = StrategyCatalog.current
        let loaded = Loaded(
            series: series, issues: issues, sources: entries.compactMapValues(\.sourceSHA256),
            fingerprints: fingerprints, tradingStart: tradingStart,
            signals: catalog.signals.keys.sorted().map { id in
                Manifest.SignalsEntry(
                    id: id, path: input.spec.strategies.first { $0.id == id }?.signals?.path ?? "",
                    sha256: catalog.signals[id]!.digest)
            })
        let dir = reportDirectory(input.spec)
        var manifest = manifestDraft(input, plan: plan, config: config, loaded: loaded, started: started)
        manifest.shards = Manifest.ShardsEntry(
            planFingerprint: planFP, count: shards.first.shardCount, directories: shards.directories)
        try ReportFolder.checkWritable(
            dir, allowForeignFiles: ctx.allowExistingReportDir, home: env.variables["HOME"])
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try manifest.make(status: .running, finishedAt: "", backtests: 0).write(to: dir + "/manifest.json")
        } catch {
            throw RunError("cannot write \(dir)/manifest.json: \(error.localizedDescription)")
        }
        var counts = BacktestCounts()
        counts.restored = outcomes.count
        return try await finishStages(
            input, context: ctx, plan: plan, config: config, loaded: loaded, outcomes: outcomes, counts: counts,
            manifest: manifest, started: started)
    }
}
