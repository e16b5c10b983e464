import Pipeline
import Testing

@Suite struct ShardingTests {
    @Test func theSplitBalancesWeightsAndGivesEverySymbolOneShard() {
        // Longest first, each to the lightest shard: 9 | 8 | 7, then 5 → shard 3 (7), 4 → shard 2 (8), 3 → 1.
        let weights = [5, 9, 3, 8, 7, 4]
        let owner = ShardSplit.assign(weights: weights, count: 3)
        #expect(owner == [2, 0, 0, 1, 2, 1])
        var load = [0, 0, 0]
        for (i, s) in owner.enumerated() { load[s] += weights[i] }
        #expect(load == [12, 12, 12])
    }

    @Test func equalWeightsGoRoundRobinInUniverseOrder() {
        #expect(ShardSplit.assign(weights: [1, 1, 1, 1, 1], count: 4) == [0, 1, 2, 3, 0])
        #expect(ShardSplit.assign(weights: [7, 7], count: 1) == [0, 0])
        // More shards than symbols: the extra shards are empty, never an error.
        #expect(ShardSplit.assign(weights: [2, 1], count: 5) == [0, 1])
    }

    @Test func kOfNComesFromTheArgumentOrTheSchedulersEnvironment() throws {
        #expect(try ShardID.parse("2/4") == ShardID(index: 2, count: 4))
        #expect(throws: RunError.self) { try ShardID.parse("0/4") }
        #expect(throws: RunError.self) { try ShardID.parse("5/4") }
        #expect(throws: RunError.self) { try ShardID.parse("two/4") }
        // Slurm: task ids relative to the array's first (`--array=0-3` is as good as `--array=1-4`).
        let slurm = ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"]
        #expect(try ShardID.fromEnvironment(slurm, count: nil) == ShardID(index: 4, count: 4))
        #expect(throws: RunError.self) { try ShardID.fromEnvironment(slurm, count: 3) }
        // Kubernetes: JOB_COMPLETION_INDEX is 0-based and the count comes from --shard-count.
        let k8s = ["JOB_COMPLETION_INDEX": "0"]
        #expect(try ShardID.fromEnvironment(k8s, count: 4) == ShardID(index: 1, count: 4))
        #expect(throws: RunError.self) { try ShardID.fromEnvironment(k8s, count: nil) }
        #expect(throws: RunError.self) { try ShardID.fromEnvironment(["JOB_COMPLETION_INDEX": "4"], count: 4) }
        #expect(throws: RunError.self) { try ShardID.fromEnvironment([:], count: 4) }
        #expect(try ShardID(index: 3, count: 12).folderName == "shard-03-of-12")
    }
}
