// Placeholder until the wrapper lands.
internal import CGit2
