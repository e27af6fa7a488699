import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A workspace folder: `runs/`, `experiments/`, `exports/`, `logs/`. Created on first use;
/// one process at a time holds its write lock (others open it read-only and say so).
public final class Workspace: @unchecked Sendable {
    public let path: String
    private var lockFD: Int32 = -1

    public init(path: String) { self.path = path }

    public var runsPath: String { path + "/runs" }
    public var experimentsPath: String { path + "/experiments" }

    /// Creates the folders if missing; returns whether the workspace is new, and so may be
    /// seeded: it did not exist, was an empty folder, or a seeding was cut short. A workspace
    /// that `prefixlab run` or `train` already wrote into is not new.
    @discardableResult
    public func create() throws -> Bool {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let existed = fm.fileExists(atPath: path, isDirectory: &isDir)
        if existed && !isDir.boolValue { throw WorkspaceError("\(path): exists and is not a folder") }
        let wasEmpty = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).isEmpty
        for sub in ["runs", "experiments", "exports", "logs"] {
            do { try fm.createDirectory(atPath: path + "/" + sub, withIntermediateDirectories: true) } catch {
                throw WorkspaceError("\(path)/\(sub): cannot create (\(error.localizedDescription))")
            }
        }
        return !existed || wasEmpty || fm.fileExists(atPath: path + "/.seeding")
    }

    /// Takes the write lock (flock on `.lock`); false when another process holds it. The lock
    /// ends with the process, so a crashed workbench never leaves a stale lock.
    public func acquireWriteLock() -> Bool {
        if lockFD >= 0 { return true }
        let fd = open(path + "/.lock", O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { return false }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 { close(fd); return false }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        lockFD = fd
        return true
    }

    /// Copies a sample folder's experiments and finished runs into a new workspace (the
    /// samples stay untouched) and marks the workspace seeded.
    public func seed(from samples: String) throws {
        let fm = FileManager.default
        // `.seeding` marks a copy in progress: a launch that finds it seeds again (skipping
        // what was copied); `.seeded` replaces it at the end.
        try Data("seeding from \(samples)\n".utf8).write(to: URL(fileURLWithPath: path + "/.seeding"))
        for sub in ["experiments", "runs"] {
            let src = samples + "/" + sub
            for name in ((try? fm.contentsOfDirectory(atPath: src)) ?? []).sorted() where !name.hasPrefix(".") {
                let dst = path + "/" + sub + "/" + name
                if fm.fileExists(atPath: dst) { continue }
                try fm.copyItem(atPath: src + "/" + name, toPath: dst)
            }
        }
        try Data("seeded from \(samples)\n".utf8).write(to: URL(fileURLWithPath: path + "/.seeded"))
        try fm.removeItem(atPath: path + "/.seeding")
    }

    /// The folder of run `id` for writing into: a safe id, and not a symbolic link (a link in
    /// runs/ would let a workspace's run be trained, resumed or changed somewhere outside it).
    public func runFolder(_ id: String) throws -> String {
        guard Workspace.isSafeRunID(id) else { throw WorkspaceError("\(id): not a safe run name (letters, digits, - _ .)") }
        let dir = runsPath + "/" + id
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: dir) {
            throw WorkspaceError("\(dir): a link (to \(target)); a workspace's runs are folders inside it")
        }
        return dir
    }

    /// A run given as a folder (a path with a slash: `./r1`, `/w/runs/r1`) or as an id, which
    /// means `WORKSPACE/runs/ID` and nothing else: an id is a plain name (no `/`, no leading
    /// `.`), so a user-given name cannot reach outside the workspace.
    public static func resolveRun(_ run: String, workspace: String) throws -> String {
        if run.contains("/") {
            guard FileManager.default.fileExists(atPath: run + "/run.json") else { throw WorkspaceError("\(run): no run folder (run.json missing)") }
            return run
        }
        guard isSafeRunID(run) else { throw WorkspaceError("\(run): not a run id (letters, digits, - _ .); give a folder as a path with a slash") }
        let dir = try Workspace(path: workspace).runFolder(run)
        guard FileManager.default.fileExists(atPath: dir + "/run.json") else {
            throw WorkspaceError("\(run): no run of that id in \(workspace)/runs (a folder is given as a path with a slash, e.g. ./\(run))")
        }
        return dir
    }

    /// Comma-separated runs (ids or folders) with the id each one's outputs are named by (its
    /// folder's name, which must itself be a safe id).
    public static func resolveRuns(_ list: String, workspace: String) throws -> [(id: String, dir: String)] {
        try list.split(separator: ",").map { ref in
            let dir = try resolveRun(ref.trimmingCharacters(in: .whitespaces), workspace: workspace)
            let id = (dir as NSString).lastPathComponent
            guard isSafeRunID(id) else { throw WorkspaceError("\(dir): its folder name is not a run id (letters, digits, - _ .), so it cannot name an output file") }
            return (id, dir)
        }
    }

    /// Run ids must be safe folder names: no path traversal from user-given names.
    public static func isSafeRunID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 100 && !id.hasPrefix(".") && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}

public struct WorkspaceError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
