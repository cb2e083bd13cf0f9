// The throwaway PostgreSQL cluster lives in `LocalPostgres` (the demo starts one too); tests get
// it with TestSupport, as before.
@_exported public import LocalPostgres
