/// The run spec's keys as Markdown tables, from the same descriptors that check them:
/// `prefixlab spec --markdown` prints it, docs/RUNS.md holds it, and a test keeps the two equal.
public enum SpecDocs {
    public static func markdown(methods: [MethodDescriptor]) -> String {
        func row(_ d: OptionDescriptor) -> String {
            let range: String
            if case .text = d.kind { range = "text" } else { range = d.rangeText }
            return "| `\(d.key)` | `\(d.flag)` | \(range) | \(d.defaultValue.map { "`\($0)`" } ?? "unset") | \(d.help) |"
        }
        let head = "| key | flag | value | default | meaning |\n|---|---|---|---|---|"
        var s = "### Settings of every run\n\n" + head + "\n"
        s += "| `method` | `--method` | one of " + methods.map(\.name).joined(separator: ", ") + " | required | the tuning method; its options below |\n"
        s += RunSpecBuilder.settings.map(row).joined(separator: "\n") + "\n"
        for m in methods {
            s += "\n### `\(m.name)` (\(m.label))\n\n\(m.summary).\n\n"
            s += m.options.isEmpty ? "No options.\n" : head + "\n" + m.options.map(row).joined(separator: "\n") + "\n"
        }
        return s
    }
}
