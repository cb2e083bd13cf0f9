import Foundation

// slipway-bench: benchmarks that print figures (not timed tests).
//   slipway-bench plan [--prs N] [--refs N]
//   slipway-bench loop [--events N] [--example DIR]
let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else { return fallback }
    return value
}
switch arguments.first {
case "plan":
    do {
        try PlanBenchmark.run(prs: option("--prs", 1000), refs: option("--refs", 5000))
    } catch {
        FileHandle.standardError.write(Data("slipway-bench: \(error)\n".utf8))
        exit(1)
    }
case "loop":
    do {
        let example = arguments.firstIndex(of: "--example").map { arguments[$0 + 1] } ?? "examples/app"
        try LoopBenchmark.run(events: option("--events", 100), example: example)
    } catch {
        FileHandle.standardError.write(Data("slipway-bench: \(error)\n".utf8))
        exit(1)
    }
default:
    FileHandle.standardError.write(Data("usage: slipway-bench plan [--prs N] [--refs N] | loop [--events N] [--example DIR]\n".utf8))
    exit(2)
}
