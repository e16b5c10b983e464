import BuildInfo

print("stratopt \(ToolVersion.current)")
