import Foundation

/// What the environment says about the terminal and where the program's files are.
public enum TerminalEnvironment {
    /// UTF-8 unless the locale says otherwise (LC_ALL, then LC_CTYPE, then LANG).
    public static func localeIsUTF8() -> Bool {
        let env = ProcessInfo.processInfo.environment
        let value = env["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LANG"] ?? ""
        let v = value.lowercased()
        return v.contains("utf-8") || v.contains("utf8")
    }

    /// This program's executable (the run manager starts it again for each job).
    public static func ownExecutable() -> String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// The themes/ folder: $PREFIXLAB_THEMES, ./themes, or beside the repository the binary
    /// was built in (.build/<config>/prefixlab → ../../themes).
    public static func themesDirectory() -> String? {
        let fm = FileManager.default
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["PREFIXLAB_THEMES"] { candidates.append(env) }
        candidates.append(fm.currentDirectoryPath + "/themes")
        let exe = (ownExecutable() as NSString).deletingLastPathComponent as NSString
        candidates.append(exe.appendingPathComponent("../../themes"))
        candidates.append(exe.appendingPathComponent("../../../themes"))
        return candidates.first { fm.fileExists(atPath: $0 + "/default.theme") }
    }
}
