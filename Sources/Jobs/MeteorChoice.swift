import Metrics

/// Which METEOR a score uses: METEOR 1.5 from the resources the user names
/// (`--meteor-data`), else from the ones found (MeteorResources.locate), else the labelled
/// approximation.
public enum MeteorChoice {
    /// A named folder or jar that cannot be read is the user's error; resources found on
    /// their own that cannot be read leave the approximation, with the reason in `note`.
    public static func resolve(explicit: String?) throws -> (meteor: Meteor15?, note: String?) {
        if let explicit {
            do { return (Meteor15(resources: try MeteorResources.load(explicit)), nil) } catch { throw JobError("\(error)") }
        }
        guard let found = MeteorResources.locate() else { return (nil, nil) }
        do { return (Meteor15(resources: try MeteorResources.load(found)), nil) } catch {
            return (nil, "METEOR 1.5's resources at \(found) could not be read (\(error)); the approximation is used")
        }
    }

    /// The E2E metric set with the chosen METEOR; a paraphrase table that fails while it is
    /// read falls back to the approximation when the resources were found, not named.
    public static func metrics(hypotheses: [String], references: [[String]], explicit: String?) throws -> E2EMetrics {
        let (meteor, note) = try resolve(explicit: explicit)
        guard let meteor else {
            var m = E2EMetrics.compute(hypotheses: hypotheses, references: references)
            if let note { m.meteorNote = MeteorApprox.label + "; " + note }
            return m
        }
        do { return try E2EMetrics.compute(hypotheses: hypotheses, references: references, meteor: meteor) } catch {
            if explicit != nil { throw JobError("\(error)") }
            var m = E2EMetrics.compute(hypotheses: hypotheses, references: references)
            m.meteorNote = MeteorApprox.label + "; METEOR 1.5 failed: \(error)"
            return m
        }
    }
}
