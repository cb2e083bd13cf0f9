/// The built-in LLM docs templates: byte-for-byte copies of `templates/llm/*.md` (a test keeps
/// them identical). A managed repository may override each one with its own `templates/llm/<name>.md`.
enum DefaultTemplates {
    /// Page name (`overview`) -> template text.
    static let pages: [String: String] = [
        "overview": #"""
{{! The overview of the stack. Rendered by Slipway in strict mode: every variable must have a value. }}
# {{stack.name}}: overview

This folder describes the stack in this repository.
Slipway writes it from the repository's own files after each staging deploy.
Do not edit it by hand: change the source files, and the next run updates these pages.
The same files always give the same pages.

## At a glance

- Environments: {{counts.environments}}.
- Compose services: {{counts.services}}.
- Kubernetes objects: {{counts.kubernetes}}.
- Container images: {{counts.images}}.
- GitHub workflows: {{counts.workflows}}, with {{counts.jobs}} jobs.
- Packages: {{counts.packages}} ({{counts.projects}} declared here, the rest are dependencies).
- Knowledge graph: {{counts.nodes}} nodes and {{counts.edges}} edges.

## Environments

{{#if environments}}{{#each environments}}- **{{name}}** ({{environment_kind}}): {{follows}}.
{{/each}}{{else}}No environment specs were found in `environments/`.
{{/if}}

## Services

{{#if services}}{{#each services}}- **{{name}}**{{#if image}}: image `{{image}}`{{/if}}.
{{/each}}{{else}}No Compose services were found.
{{/if}}

## Files in this folder

- `overview.md`: this page.
- `environments.md`: what each environment runs, how it is neutralized, and how promotion works.
- `services.md`: the services, workloads, workflows and packages, with what they use.
- `relationships.md`: every relation as a `subject -> predicate -> object` line.
- `glossary.md`: the kinds of things and relations, and Slipway's terms.
- `playbook.md`: how to answer common questions from these files.
- `graph.json`: the knowledge graph as JSON (nodes, edges, errors).

## Problems found

{{#if errors}}{{#each errors}}- {{this}}
{{/each}}{{else}}None.
{{/if}}
"""# + "\n",
        "environments": #"""
{{! Environments: what each runs, how it is neutralized, how promotion works. }}
# Environments

Each environment is declared by a spec file in `environments/`.
Slipway reads the spec at the exact commit it deploys.
Previews follow open pull requests. Staging follows a branch. Production moves only by promotion.

{{#if environments}}{{#each environments}}
## {{name}}

- Kind: {{environment_kind}}.
- Spec: `{{file}}`.
- Follows: {{follows}}.
- Deploy driver: {{driver}}.
{{#if build}}- Build commands:
{{#each build}}  - `{{this}}`
{{/each}}{{/if}}{{#if run}}- Deploy command: `{{run}}`.
{{/if}}{{#if teardown}}- Teardown command: `{{teardown}}`.
{{/if}}{{#if url}}- URL: {{url}}.
{{/if}}{{#if health}}- Health check: {{health}}.
{{/if}}{{#if ttl}}- Torn down after {{ttl}} without a push.
{{/if}}{{#if runs}}- Runs: {{runs}}.
{{else}}- Runs: what its deploy command starts.
{{/if}}{{#if variables}}- Plain variables: {{variables}}.
{{/if}}{{#if secrets}}- Secrets (names only): {{secrets}}.
{{/if}}{{#if neutralization}}- Neutralized: {{neutralization}}.
{{else}}- Not neutralized: it runs with real data and real side effects.
{{/if}}{{#if promotion}}- Promotion: {{promotion}}.
{{/if}}{{/each}}{{else}}
No environment specs were found.
{{/if}}

## How neutralization works

A neutralized environment runs user code with copies of data, so it must not reach real people or systems.
Slipway sets `SLIPWAY_NEUTRALIZED=1`, `SLIPWAY_MAIL` and `SLIPWAY_CRONS` for it.
Mail goes to a catch-all sink or is dropped. Scheduled jobs are off.
A deploy is refused when a variable or secret value matches a forbidden pattern.

## How promotion works

{{#if promotions}}{{#each promotions}}- **{{to}}** is promoted from **{{from}}** when a pull request gets the label `{{label}}`{{#if approvers}}, added by one of: {{approvers}}{{/if}}.
{{/each}}Promotion deploys the commit that already runs in the source environment.
Nothing is built again from a different commit.
{{else}}No environment is promoted from another one.
{{/if}}
"""# + "\n",
        "services": #"""
{{! Services, workloads, workflows and packages. }}
# Services

This page lists what the repository declares: Compose services, Kubernetes objects, GitHub workflows and packages.

## Compose services

{{#if services}}{{#each services}}
### {{name}}

- Declared in: `{{compose_file}}`.
{{#if image}}- Image: `{{image}}`.
{{/if}}{{#if build}}- Built from: `{{build}}`.
{{/if}}{{#if command}}- Command: `{{command}}`.
{{/if}}{{#if ports}}- Ports: {{ports}}.
{{/if}}{{#if depends_on}}- Depends on: {{depends_on}}.
{{/if}}{{#if volumes}}- Mounts: {{volumes}}.
{{/if}}{{#if networks}}- Networks: {{networks}}.
{{/if}}{{#if environment}}- Environment variables (names only): {{environment}}.
{{/if}}{{#if deployed_by}}- Deployed by: {{deployed_by}}.
{{/if}}{{/each}}{{else}}
No Compose file was found.
{{/if}}

## Kubernetes objects

{{#if kubernetes}}{{#each kubernetes}}- **{{label}}** (`{{id}}`, from `{{source}}`){{#if details}}: {{details}}{{/if}}.
{{/each}}{{else}}No Kubernetes manifest was found.
{{/if}}

## Workflows

{{#if workflows}}{{#each workflows}}
### {{name}}

- File: `{{file}}`.
{{#if triggers}}- Runs on: {{triggers}}.
{{/if}}{{#each jobs}}- Job `{{label}}`{{#if runs_on}} on {{runs_on}}{{/if}}{{#if needs}}, after {{needs}}{{/if}}{{#if uses}}, uses {{uses}}{{/if}}.
{{/each}}{{/each}}{{else}}
No GitHub workflow was found.
{{/if}}

## Packages

{{#if projects}}{{#each projects}}- **{{name}}** ({{ecosystem}}, `{{manifest}}`){{#if dependencies}}: depends on {{dependencies}}{{/if}}.
{{/each}}{{else}}No package manifest was found.
{{/if}}
"""# + "\n",
        "relationships": #"""
{{! Every edge of the knowledge graph as one line. }}
# Relationships

Each line below is one fact: `subject -> predicate -> object`.
Subjects and objects are node ids from `graph.json`. Predicates are explained in `glossary.md`.
Lines are sorted by subject, then predicate, then object.

{{#if relationships}}```text
{{#each relationships}}{{this}}
{{/each}}```
{{else}}The graph has no relationships.
{{/if}}
"""# + "\n",
        "glossary": #"""
{{! Kinds, predicates and Slipway terms. }}
# Glossary

## Kinds of nodes

Every node id starts with its kind's prefix, such as `env:` or `service:`.

{{#each kinds}}- **{{kind}}** ({{count}}): {{meaning}}
{{/each}}

## Predicates

{{#each predicates}}- **{{predicate}}** ({{count}}): {{meaning}}
{{/each}}

## Terms

- **Preview**: a short-lived environment for one pull request, built at the pull request's head.
- **Staging**: the environment that follows a branch, usually `main`.
- **Production**: the live environment. It changes only by promotion.
- **Promotion**: deploying the commit that runs in one environment to the next one.
- **Neutralization**: the safety settings for environments with copies of data: no real mail, no scheduled jobs, no forbidden values.
- **Content id**: a hash of what a deploy depends on. Slipway's own files (`docs/llm/`, `evidence/`) do not count.
- **Evidence**: the record of each build and deploy, kept on the evidence branch.
"""# + "\n",
        "playbook": #"""
{{! How to answer common questions from these files. }}
# Query playbook

Use these files to answer questions about the stack without reading the whole repository.
Node ids are stable: the same thing keeps the same id from one run to the next.

## What runs in an environment?

Read the environment's section in `environments.md`.
For the exact list, find the lines that start with its id and have `DEPLOYS` in `relationships.md`.
{{#if example.environment}}Example: `{{example.environment}} -> DEPLOYS -> ...`.
{{/if}}

## Which image does a service use?

Find the service's section in `services.md`.
Or find `service:<name> -> USES_IMAGE -> image:<reference>` in `relationships.md`.
{{#if example.service}}Example: the lines that start with `{{example.service}}`.
{{/if}}

## What depends on a service?

Find the lines that end with `-> DEPENDS_ON -> service:<name>` in `relationships.md`.

## How does a change reach production?

Read "How promotion works" in `environments.md`.
Follow the `PROMOTES_TO` lines in `relationships.md`.

## Is an environment safe to use with real data?

Read its "Neutralized" line in `environments.md`.
An environment that is not neutralized sends real mail and runs scheduled jobs.

## Which workflow runs the tests?

Read "Workflows" in `services.md`.
Find `workflow:<name> -> RUNS_JOB -> job:<name>/<job>` in `relationships.md`.

## What did the last deploy do?

These pages describe the repository, not one deploy.
Read the evidence branch: each deploy has a `record.json` and its logs under `evidence/<environment>/`.

## Working with graph.json

- `nodes` is sorted by `id`. Each node has a `kind`, a `label`, `properties` and the `sources` files that declare it.
- `edges` is sorted. Each edge has `from`, `predicate`, `to` and its `sources`.
- `errors` lists problems found, such as a relation to something that is not declared.
"""# + "\n",
    ]
}
