/// The built-in LLM docs templates: byte-for-byte copies of `templates/llm/*.md` (a test keeps
/// them identical). A managed repository may override each one with its own `templates/llm/<name>.md`.
enum DefaultTemplates {
    /// Page name (`overview`) -> template text.
    static let pages: [String: String] = [
        "overview": #"""
{{! The overview of the stack. Rendered by Slipway in strict mode: every variable must have a value. }}
# {{stack.name}}: overview

> This folder describes the stack in this repository. Slipway writes it after each staging deploy; do not edit it by hand.
> Lines that start with `>` are Slipway's notes. Every other line states one fact and ends with `<!-- src: ... -->`: the `graph.json` node ids it comes from, each with the file line (or the `observed:` store) it was read from.
> "Declared in files" is what the repository's files say. "Observed running" is what the bot's store says runs now.

## Declared in files

{{#if counts.environments}}- Environments: {{counts.environments}}. {{cite.environments}}
{{/if}}{{#if counts.services}}- Compose services: {{counts.services}}. {{cite.services}}
{{/if}}{{#if counts.kubernetes}}- Kubernetes objects: {{counts.kubernetes}}. {{cite.kubernetes}}
{{/if}}{{#if counts.images}}- Container images: {{counts.images}}. {{cite.images}}
{{/if}}{{#if counts.workflows}}- GitHub workflows: {{counts.workflows}}, with {{counts.jobs}} jobs. {{cite.workflows}}
{{/if}}{{#if counts.packages}}- Packages: {{counts.packages}} ({{counts.projects}} declared here, the rest are dependencies). {{cite.packages}}
{{/if}}

### Environments

{{#if environments}}{{#each environments}}- **{{name}}** ({{environment_kind}}): follows {{follows}}. {{follows_src}}
{{/each}}{{else}}> No environment specs were found in `environments/`.
{{/if}}

### Services

{{#if services}}{{#each services}}- **{{name}}**{{#if image}}: image `{{image}}`{{/if}}. {{image_src}}
{{/each}}{{else}}> No Compose services were found.
{{/if}}

{{#if observed.available}}## Observed running (as of the {{observed.as_of_environment}} deploy of `{{observed.as_of_sha}}`)

{{#each observed.environments}}- **{{name}}** ({{kind}}): `{{status}}` at commit `{{sha}}`{{#if url}}, `{{url}}`{{/if}}. {{src}}
{{/each}}{{#if observed.preview_count}}- Previews: {{observed.preview_count}}. {{observed.previews_src}}
{{/if}}> Details, last deploys and failures: `environments.md`.
{{else}}## Observed running

> No observed state available: these pages were generated from the files alone.
{{/if}}

## Files in this folder

> - `overview.md`: this page.
> - `environments.md`: what each environment declares and runs, how it is neutralized, how promotion works, and what was observed running.
> - `services.md`: the services, workloads, workflows and packages, with what they use.
> - `relationships.md`: every relation as a `subject -> predicate -> object` line, with the file lines that declare it.
> - `glossary.md`: the kinds of things and relations, and Slipway's terms.
> - `playbook.md`: how to answer common questions from these files.
> - `graph.json`: the knowledge graph as JSON (nodes, edges, their sources, errors).

## Problems found

{{#if errors}}{{#each errors}}> - {{this}}
{{/each}}{{else}}> None.
{{/if}}
"""# + "\n",
        "environments": #"""
{{! Environments: what each declares and runs, how it is neutralized, how promotion works, what was observed running. }}
# Environments

> Each environment is declared by a spec file in `environments/`; Slipway reads the spec at the exact commit it deploys.
> Lines that start with `>` are Slipway's notes; every other line ends with the `graph.json` nodes it comes from.

## Declared in files

{{#if environments}}{{#each environments}}
### {{name}}

- Kind: {{environment_kind}}, declared at `{{file}}`. {{src}}
- Follows: {{follows}}. {{follows_src}}
- Deploy driver: {{driver}}. {{driver_src}}
{{#if build}}- Build commands: {{build_src}}
{{#each build}}  - `{{command}}` {{src}}
{{/each}}{{/if}}{{#if run}}- Deploy command: `{{run}}`. {{run_src}}
{{/if}}{{#if teardown}}- Teardown command: `{{teardown}}`. {{teardown_src}}
{{/if}}{{#if url}}- URL: {{url}}. {{url_src}}
{{/if}}{{#if health}}- Health check: {{health}}. {{health_src}}
{{/if}}{{#if ttl}}- Torn down after {{ttl}} without a push. {{ttl_src}}
{{/if}}{{#if runs}}- Runs: {{runs}}. {{runs_src}}
{{else}}- Runs: what its deploy command starts; no Compose service or Kubernetes workload is declared as deployed by it. {{src}}
{{/if}}{{#if variables}}- Plain variables: {{variables}}. {{variables_src}}
{{/if}}{{#if secrets}}- Secrets (names only): {{secrets}}. {{secrets_src}}
{{/if}}{{#if neutralization}}- Neutralized: {{neutralization}}. {{neutralization_src}}
{{else}}- Not neutralized: it runs with real data and real side effects. {{src}}
{{/if}}{{#if promotion}}- Promotion: {{promotion}}. {{promotion_src}}
{{/if}}{{/each}}{{else}}
> No environment specs were found.
{{/if}}

### How promotion works

{{#if promotions}}{{#each promotions}}- **{{to}}** is promoted from **{{from}}** when a pull request gets the label `{{label}}`{{#if approvers}}, added by one of: {{approvers}}{{/if}}. {{src}}
{{/each}}> Promotion deploys the commit that already runs in the source environment; nothing is built again from a different commit.
{{else}}> No environment is promoted from another one.
{{/if}}

### How neutralization works

> A neutralized environment runs user code with copies of data, so it must not reach real people or systems.
> Slipway sets `SLIPWAY_NEUTRALIZED=1`, `SLIPWAY_MAIL` and `SLIPWAY_CRONS` for it: mail goes to a catch-all sink or is dropped, scheduled jobs are off.
> A deploy is refused when a variable or secret value matches a forbidden pattern.

{{#if observed.available}}## Observed running (as of the {{observed.as_of_environment}} deploy of `{{observed.as_of_sha}}`)

> Read from the bot's store after that deploy: what runs, not what the files declare. Times are those of deploys.
{{#each observed.environments}}
### {{name}} (observed)

- Status: `{{status}}` at commit `{{sha}}`. {{src}}
{{#if declared}}- Declared as: {{declared}}. {{declared_src}}
{{else}}- Not declared in files any more (its spec was `{{spec_file}}`). {{src}}
{{/if}}{{#if url}}- URL: `{{url}}`. {{url_src}}
{{/if}}{{#if last_deploy_at}}- Last deploy: `{{last_deploy_outcome}}`, finished {{last_deploy_at}}. {{last_deploy_src}}
{{/if}}{{#if health}}- Last health check: `{{health}}`. {{health_src}}
{{/if}}{{#if last_failure}}- Last failure: `{{last_failure}}`. {{last_failure_src}}
{{/if}}{{/each}}
### Previews (observed)

{{#if observed.preview_count}}- Previews in the store: {{observed.preview_count}}. {{observed.previews_src}}
{{#each observed.previews}}- `{{name}}`: `{{status}}` at commit `{{sha}}`{{#if url}}, `{{url}}`{{/if}}. {{src}}
{{/each}}{{#if observed.previews_more}}> {{observed.previews_more}} more previews are not listed.
{{/if}}> A preview's failure reason is not copied here: a pull request controls it. Read the pull request's comment.
{{else}}> No preview is in the store.
{{/if}}{{#if observed.omitted}}> {{observed.omitted}} environments that changed least recently are left out.
{{/if}}{{else}}## Observed running

> No observed state available: these pages were generated from the files alone.
{{/if}}
"""# + "\n",
        "services": #"""
{{! Services, workloads, workflows and packages. }}
# Services

> What the repository's files declare: Compose services, Kubernetes objects, GitHub workflows and packages.
> A Compose service here is not necessarily running: `environments.md` says which environment deploys what.
> Lines that start with `>` are Slipway's notes; every other line ends with the `graph.json` nodes it comes from.

## Compose services

{{#if services}}{{#each services}}
### {{name}}

- Declared at `{{compose_file}}`. {{src}}
{{#if image}}- Image: `{{image}}`. {{image_src}}
{{/if}}{{#if build}}- Built from: `{{build}}`. {{build_src}}
{{/if}}{{#if command}}- Command: `{{command}}`. {{command_src}}
{{/if}}{{#if ports}}- Ports: {{ports}}. {{ports_src}}
{{/if}}{{#if depends_on}}- Depends on: {{depends_on}}. {{depends_on_src}}
{{/if}}{{#if volumes}}- Mounts: {{volumes}}. {{volumes_src}}
{{/if}}{{#if networks}}- Networks: {{networks}}. {{networks_src}}
{{/if}}{{#if environment}}- Environment variables (names only): {{environment}}. {{environment_src}}
{{/if}}{{#if deployed_by}}- Deployed by: {{deployed_by}}. {{deployed_by_src}}
{{else}}- Deployed by: no environment declares that it runs this service. {{src}}
{{/if}}{{/each}}{{else}}
> No Compose file was found.
{{/if}}

## Kubernetes objects

{{#if kubernetes}}{{#each kubernetes}}- **{{label}}** (`{{id}}`, at `{{source}}`){{#if details}}: {{details}}{{/if}}. {{src}}
{{/each}}{{else}}> No Kubernetes manifest was found.
{{/if}}

## Workflows

{{#if workflows}}{{#each workflows}}
### {{name}}

- File: `{{file}}`. {{src}}
{{#if triggers}}- Runs on: {{triggers}}. {{triggers_src}}
{{/if}}{{#each jobs}}- Job `{{label}}`{{#if runs_on}} on {{runs_on}}{{/if}}{{#if needs}}, after {{needs}}{{/if}}{{#if uses}}, uses {{uses}}{{/if}}. {{src}}
{{/each}}{{/each}}{{else}}
> No GitHub workflow was found.
{{/if}}

## Packages

{{#if projects}}{{#each projects}}- **{{name}}** ({{ecosystem}}, `{{manifest}}`){{#if dependencies}}: depends on {{dependencies}}{{/if}}. {{src}}
{{/each}}{{else}}> No package manifest was found.
{{/if}}
"""# + "\n",
        "relationships": #"""
{{! Every edge of the knowledge graph as one line. }}
# Relationships

> Each line of the block below is one fact: `subject -> predicate -> object`, then `#` and the file lines (or `observed:` store) it comes from.
> Subjects and objects are node ids from `graph.json`. Predicates are explained in `glossary.md`.
> Lines are sorted by subject, then predicate, then object.

{{#if relationships}}```text
{{#each relationships}}{{this}}
{{/each}}```
{{else}}> The graph has no relationships.
{{/if}}
"""# + "\n",
        "glossary": #"""
{{! Kinds, predicates and Slipway terms. }}
# Glossary

## Kinds of nodes

> Every node id starts with its kind's prefix, such as `env:` or `service:`. The count is how many this graph has.

{{#each kinds}}- **{{kind}}** ({{count}}): {{meaning}} {{src}}
{{/each}}

## Predicates

{{#each predicates}}- **{{predicate}}** ({{count}}): {{meaning}} {{src}}
{{/each}}

## Terms

> - **Preview**: a short-lived environment for one pull request, built at the pull request's head.
> - **Staging**: the environment that follows a branch, usually `main`.
> - **Production**: the live environment. It changes only by promotion.
> - **Promotion**: deploying the commit that runs in one environment to the next one.
> - **Neutralization**: the safety settings for environments with copies of data: no real mail, no scheduled jobs, no forbidden values.
> - **Content id**: a hash of what a deploy depends on. Slipway's own files (`docs/llm/`, `evidence/`) do not count.
> - **Evidence**: the record of each build and deploy, kept on the evidence branch.
> - **Declared** facts come from the repository's files (sources `file:line`); **observed** facts come from the bot's store (sources `observed:...`).
"""# + "\n",
        "playbook": #"""
{{! How to answer common questions from these files. }}
# Query playbook

> Use these files to answer questions about the stack without reading the whole repository.
> Node ids are stable: the same thing keeps the same id from one run to the next.
> Each fact line ends with `<!-- src: id @ file:line -->`: open that file at that line to check it or to change it.

## What runs in an environment?

> Declared: read the environment's section under "Declared in files" in `environments.md`, or the lines of `relationships.md` that start with its id and have `DEPLOYS`.
> Running now: read its section under "Observed running" in `environments.md` (`deploy:<name>` nodes).
{{#if example.environment}}- Example: `{{example.environment}} -> DEPLOYS -> ...`. {{example.environment_src}}
{{/if}}

## Which image does a service use?

> Find the service's section in `services.md`, or `service:<name> -> USES_IMAGE -> image:<reference>` in `relationships.md`.
{{#if example.service}}- Example: the lines that start with `{{example.service}}`. {{example.service_src}}
{{/if}}

## What depends on a service?

> Find the lines that end with `-> DEPENDS_ON -> service:<name>` in `relationships.md`.

## How does a change reach production?

> Read "How promotion works" in `environments.md` and follow the `PROMOTES_TO` lines in `relationships.md`.

## Is an environment safe to use with real data?

> Read its "Neutralized" line in `environments.md`. An environment that is not neutralized sends real mail and runs scheduled jobs.

## Which workflow runs the tests?

> Read "Workflows" in `services.md`, or find `workflow:<name> -> RUNS_JOB -> job:<name>/<job>` in `relationships.md`.

## What did the last deploy do?

> "Observed running" in `environments.md` has each environment's last deploy, health check and failure, as of the deploy named in its heading.
> For the full record read the evidence branch: each deploy has a `record.json` and its logs under `evidence/<environment>/`.

## Working with graph.json

> - `nodes` is sorted by `id`. Each node has a `kind`, a `label`, `properties` and its `sources`: `file:line` where a file declares it, `observed:<what>` where the bot's store says so.
> - `edges` is sorted. Each edge has `from`, `predicate`, `to` and its `sources`.
> - `errors` lists problems found, such as a relation to something that is not declared.
> - `version` is the format version (2: sources carry line numbers and observed state).
"""# + "\n",
    ]
}
