import Crypto
import Testing

/// bcrypt against published vectors (jBCrypt's and OpenBSD's test suites, cost 6); Caddy's
/// `http_basic` checking our hashes is in RouterTests.
struct BCryptTests {
    static let vectors: [(password: String, hash: String)] = [
        ("", "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s."),
        ("a", "$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe"),
        ("abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i"),
        ("abcdefghijklmnopqrstuvwxyz", "$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC"),
        ("~!@#$%^&*()      ~!@#$%^&*()PNBFRD", "$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO"),
    ]

    @Test func hashesMatchThePublishedVectors() throws {
        for vector in Self.vectors {
            let salt = try #require(BCrypt.salt(of: vector.hash))
            #expect(try BCrypt.hash(password: vector.password, salt: salt, cost: 6) == vector.hash)
            #expect(BCrypt.verify(password: vector.password, against: vector.hash))
            #expect(!BCrypt.verify(password: vector.password + "x", against: vector.hash))
        }
    }

    @Test func aFreshHashHasARandomSaltAndVerifies() throws {
        let first = try BCrypt.hash(password: "s3cret", cost: 4)
        let second = try BCrypt.hash(password: "s3cret", cost: 4)
        #expect(first.hasPrefix("$2a$04$") && first.count == 60)
        #expect(first != second)
        #expect(BCrypt.verify(password: "s3cret", against: first))
        #expect(!BCrypt.verify(password: "s3creT", against: first))
    }

    @Test func anOutOfRangeCostIsRefusedWithoutNamingThePassword() {
        do {
            _ = try BCrypt.hash(password: "hunter2", cost: 3)
            Issue.record("cost 3 was accepted")
        } catch {
            #expect("\(error)".contains("cost"))
            #expect(!"\(error)".contains("hunter2"))
        }
    }
}
