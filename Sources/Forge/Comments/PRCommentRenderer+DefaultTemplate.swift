extension PRCommentRenderer {
    /// The built-in copy of `templates/pr-comment.md` (a test keeps the two identical); a managed
    /// repository overrides it by committing its own `templates/pr-comment.md`.
    public static let defaultTemplate = #"""
<!-- slipway:pr-comment -->
## Slipway environments
{{#if isolationWarning}}
> ⚠️ {{isolationWarning}}
{{/if}}{{#each notices}}
> {{message}}
{{#if details}}
{{fence}}text
{{details}}
{{fence}}
{{/if}}{{/each}}{{#unless environments}}
No environment for this pull request (yet).
{{/unless}}{{#each environments}}
### {{stateLabel}} · `{{name}}`

| | |
| --- | --- |
| State | **{{state}}** |
{{#if url}}| URL | {{url}} |
{{/if}}| Commit | `{{shortSHA}}` |
{{#if buildDuration}}| Build | {{buildDuration}} |
{{/if}}{{#if deployDuration}}| Deploy | {{deployDuration}} |
{{/if}}{{#if health}}| Health | {{health}} |
{{/if}}{{#if database}}| Database | {{database}} |
{{/if}}{{#if neutralization}}| Neutralization | {{#each neutralization}}{{#if @index}}, {{/if}}`{{this}}`{{/each}} |
{{/if}}{{#if tearDownAt}}| {{#if tornDown}}Torn down{{else}}Expires{{/if}} | {{tearDownAt}} (TTL) |
{{/if}}{{#if evidenceURL}}| Evidence | [deployment record]({{evidenceURL}}) |
{{/if}}{{#if failed}}
**{{#if failedPhase}}The {{failedPhase}} step failed{{else}}The deployment failed{{/if}}:** {{failure}}
{{#if failureLog}}
<details><summary>Last lines of the log</summary>

{{fence}}text
{{failureLog}}
{{fence}}

</details>
{{/if}}{{/if}}{{/each}}
<sub>Maintained by Slipway: this comment is updated in place on every change.</sub>

"""#
}
