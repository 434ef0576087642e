"""Guessable passwords: stop new ones, find existing ones, hand out good ones, find MFA gaps.

Public API (the shells call these; see docs/passwords.md):

- `loading.build_policy(settings, wordlists, pwned) -> Policy`, then
  `policy.check_password(password, policy, user_names=()) -> CheckResult`
- `dumps.read_dump(path) -> (format, [AccountHash])`, then
  `audit.audit(accounts, AuditInputs(loading.audit_words(settings), ...)) -> AuditResult`
- `generate.generate(words, separator, capital, digit, accept) -> Passphrase`
- `pwned.build_store(sources, out)`, `pwned.open_pwned_source(path)`
- `mfa.mfa_gaps(signins_table, registrations, spray_report, audit_report) -> [Exposure]`

This capability never imports another one: sign-ins arrive as an Arrow table in the sign-ins
schema and spray findings as JSON data.
"""
