import Runner
import Testing

@Suite("Runner: the malloc arena cap serve sets")
struct MallocArenasTests {
    @Test("the operator's MALLOC_ARENA_MAX or glibc tunable wins over the built-in cap")
    func operatorChoiceWins() {
        #expect(MallocArenas.limit(to: 16, environment: ["MALLOC_ARENA_MAX": "8"]) == false)
        #expect(MallocArenas.limit(to: 16, environment: ["GLIBC_TUNABLES": "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=4"]) == false)
    }

    @Test("without one, the cap is set (glibc accepts it)")
    func capSet() {
        // 16 is glibc's own default on 2 cores, so the test process keeps its behaviour.
        #expect(MallocArenas.limit(to: 16, environment: ["GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"]))
        #expect(MallocArenas.limit(to: 16, environment: [:]))
        #expect(MallocArenas.serverDefault == 2)
    }
}
