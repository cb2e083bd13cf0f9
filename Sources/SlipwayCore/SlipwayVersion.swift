/// The version of Slipway (printed by `--version`, sent as the forge User-Agent).
public enum SlipwayVersion {
    public static let current = "0.1.0"
}
