import Foundation

/// The times the run store records: ISO 8601 in UTC with milliseconds, e.g.
/// `2026-11-27T07:10:04.980Z` (docs/EVENTS.md).
public enum Timestamp {
    public static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }
}
