/// The built-in copies of `templates/dashboard/*.html` (a test keeps them identical to the files).
/// A repository overrides them by committing its own on its default branch; the operator with
/// `--dashboard-templates DIR`. Values are HTML-escaped before they reach a template.
public enum DashboardTemplates {
    public static let index = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Slipway · {{repository}}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f8fa; }
header, main { max-width: 60rem; margin: 0 auto; padding: 0.75rem 1rem; }
header { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: baseline; }
h1 { font-size: 1.25rem; margin: 0; } h2 { font-size: 1.05rem; margin: 1.25rem 0 0.5rem; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.6rem 0.8rem; margin: 0.4rem 0; }
.row { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: baseline; }
.name { font-weight: 600; } code { font-size: 0.9em; } .muted { color: #57606a; font-size: 0.9em; }
.status { border-radius: 1rem; padding: 0 0.5rem; font-size: 0.85em; }
.healthy, .succeeded { background: #dafbe1; } .failed { background: #ffebe9; } .building, .deploying, .queued { background: #fff8c5; }
.torn-down, .cancelled, .unknown { background: #eaeef2; }
.pass { background: #dafbe1; } .warn { background: #fff8c5; } .fail { background: #ffebe9; }
.error { color: #cf222e; overflow-wrap: anywhere; }
a { color: #0969da; }
</style>
</head>
<body>
<header>
<h1>Slipway · {{repository}}</h1>
<span class="muted">updated {{generatedAt}}</span>
</header>
<main>
{{#if failures}}<section id="failures">
<h2>Failing now</h2>
{{#each failures}}<div class="card"><div class="row"><span class="name">{{name}}</span><span class="status failed">failed</span><code>{{sha}}</code></div>
<div class="error">{{lastError}}</div>{{#if evidenceLink}}<div><a href="{{evidenceLink}}">last deploy's evidence and log</a></div>{{/if}}</div>
{{/each}}</section>{{/if}}
{{#if diag}}<section id="diag">
<h2>Diagnostics</h2>
<div class="card"><div class="row"><span class="status {{diag.status}}">{{diag.status}}</span><span>{{diag.summary}}</span><span class="muted">{{diag.at}}</span></div>
{{#each diag.problems}}<div><span class="name">{{name}}</span> <span class="status {{status}}">{{status}}</span> {{reason}}{{#if fix}} <span class="muted">· {{fix}}</span>{{/if}}</div>
{{/each}}</div>
</section>{{/if}}
{{#each kinds}}<section id="kind-{{kind}}">
<h2>{{title}} ({{count}})</h2>
{{#each environments}}<div class="card"><div class="row"><span class="name">{{name}}</span><span class="status {{status}}">{{status}}</span><code>{{sha}}</code>{{#if pullRequest}}<span>#{{pullRequest}}</span>{{/if}}<span class="muted">{{age}} old</span>{{#if ttlLeft}}<span class="muted">TTL {{ttlLeft}} left</span>{{/if}}</div>
{{#if url}}<div><a href="{{url}}">{{url}}</a></div>{{/if}}{{#if pin}}<div class="muted">pinned: {{pin}}</div>{{/if}}</div>
{{/each}}{{#unless environments}}<div class="muted">none</div>{{/unless}}
</section>
{{/each}}
{{#if promotions}}<section id="promotions">
<h2>Promotion</h2>
{{#each promotions}}<div class="card"><div class="row"><span class="name">{{environment}}</span><span>from {{from}}</span><code>{{sha}}</code></div><div class="muted">approved by {{approvers}} · {{at}}</div></div>
{{/each}}</section>{{/if}}
<section id="deploys">
<h2>Last deploys</h2>
{{#each deploys}}<div class="card"><div class="row"><span class="name">{{environment}}</span><span class="status {{outcome}}">{{outcome}}</span><span>{{kind}}</span><code>{{sha}}</code><span class="muted">{{startedAt}}{{#if duration}} · {{duration}}{{/if}}</span></div>
{{#if failure}}<div class="error">{{failure}}</div>{{/if}}<div><a href="{{evidenceLink}}">evidence and logs</a></div></div>
{{/each}}{{#unless deploys}}<div class="muted">no deploys yet</div>{{/unless}}
</section>
</main>
</body>
</html>

"""#

    public static let evidence = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Slipway · {{environment}} {{kind}} {{sha}}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f8fa; }
main { max-width: 60rem; margin: 0 auto; padding: 0.75rem 1rem; }
h1 { font-size: 1.2rem; } h2 { font-size: 1rem; margin-top: 1.2rem; }
pre { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.6rem; overflow-x: auto; font-size: 0.85em; }
.error { color: #cf222e; overflow-wrap: anywhere; } a { color: #0969da; } dt { font-weight: 600; } dd { margin: 0 0 0.4rem 0; overflow-wrap: anywhere; }
</style>
</head>
<body>
<main>
<p><a href="/">← all environments</a></p>
<h1>{{environment}} · {{kind}} · {{outcome}}</h1>
<dl>
<dt>Commit</dt><dd><code>{{sha}}</code></dd>
<dt>Started</dt><dd>{{startedAt}}{{#if duration}} ({{duration}}){{/if}}</dd>
<dt>Trigger</dt><dd>{{trigger}}</dd>
{{#if url}}<dt>URL</dt><dd><a href="{{url}}">{{url}}</a></dd>{{/if}}
{{#if database}}<dt>Database</dt><dd>{{database}}</dd>{{/if}}
{{#if forgeLink}}<dt>Record</dt><dd><a href="{{forgeLink}}">on the evidence branch</a></dd>{{/if}}
</dl>
{{#if failure}}<p class="error">{{failedPhase}} failed: {{failure}}</p>{{/if}}
{{#each logs}}<h2>{{name}} (last lines)</h2>
<pre>{{tail}}</pre>
{{/each}}
</main>
</body>
</html>

"""#
}
