import Foundation

/// The times the run store records: ISO 8601 in UTC with milliseconds, e.g.
/// `2026-11-27T07:10:04.980Z` (docs/EVENTS.md).
public enum Timestamp {
    public static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    /// How screens and logs show a recorded time: date and time to the second, UTC as
    /// recorded ("2026-11-27 07:10:04"), so yesterday's events never read as today's.
    public static func display(_ iso: String) -> String {
        String(iso.replacingOccurrences(of: "T", with: " ").prefix(19))
    }
}
