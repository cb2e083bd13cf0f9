import Environments
import SlipwayCore
import Testing

@Suite("Environment spec parsing: limits")
struct SpecLimitsTests {
    @Test("limits parse into counts, sizes in bytes and CPUs; unset ones stay unset")
    func parsesLimits() throws {
        let text = validPreview + "\nlimits: { processes: 256, open_files: 1024, file_size: 1g, memory: 512m, cpu: 1.5 }\n"
        let spec = try #require(SpecParser.parse(text, file: "environments/x.yaml").spec)
        #expect(spec.limits == EnvironmentSpec.Limits(processes: 256, openFiles: 1024, fileSize: 1 << 30, memory: 512 << 20, cpu: 1.5))
        let partial = try #require(SpecParser.parse(validPreview + "\nlimits: { open_files: 64 }\n", file: "environments/x.yaml").spec)
        #expect(partial.limits == EnvironmentSpec.Limits(openFiles: 64))
        #expect(try #require(SpecParser.parse(validPreview, file: "environments/x.yaml").spec).limits == EnvironmentSpec.Limits())
    }

    @Test("bad limits are reported where each value is, with the accepted forms")
    func badLimits() {
        let text = validPreview + "\nlimits:\n  processes: lots\n  open_files: 0\n  file_size: 1 gallon\n  memory: 1k\n  cpu: fast\n  disk: 1g\n"
        let found = diagnostics(text)
        #expect(found.map { "\($0.line):\($0.column)" } == ["26:3", "21:14", "22:15", "23:14", "24:11", "25:8"])
        #expect(found.map(\.message) == [
            "unknown key 'disk' in limits",
            "limits.processes 'lots' must be a whole number from 1 to 1000000",
            "limits.open_files '0' must be a whole number from 16 to 1048576",
            "limits.file_size '1 gallon' is not a size: use a number of bytes with an optional unit k, m, g or t, like 512m or 1g",
            "limits.memory '1k' is too small: at least 16m",
            "limits.cpu 'fast' is not a number of CPUs: use a number from 0.01 to 1024, like 0.5 or 2",
        ])
        #expect(positions(validPreview + "\nlimits: 5\n") == ["20:9"])
    }

    @Test("sizes", arguments: [("4096", Int64(4096)), ("512k", 512 << 10), ("512m", 512 << 20), ("512MiB", 512 << 20), ("1g", 1 << 30), ("2T", 2 << 40)])
    func sizes(text: String, bytes: Int64) {
        #expect(EnvironmentSpec.Limits.bytes(parsing: text) == bytes)
    }

    @Test("not sizes", arguments: ["", "m", "-1m", "0", "1.5g", "1x", "99999999999t"])
    func notSizes(text: String) {
        #expect(EnvironmentSpec.Limits.bytes(parsing: text) == nil)
    }
}
