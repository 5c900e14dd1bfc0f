"""Keeping a long form's input over an expired sign-in.

A person who spent an hour on a bid or an outcome report must not lose it because the session ran out (the idle
timeout in accounts/sessions.py) or the form's CSRF token no longer matches (the session cookie was lost, or they
signed in again in another tab). A view opts in with `@keeps_input(save)` (keeping.py) and its template renders
`{{ keep_input_field() }}` inside the form. When such a POST arrives without a signed-in user, or fails its CSRF
check, the posted fields (never passwords) and files are kept server-side, encrypted with a key derived from a
random token in a cookie of that browser, for a few hours (services.KEEP_FOR), and the person is sent to sign in.
Once the same person who opened the form (a signed field in the form says who) is signed in again on that
browser, the form's next GET hands the input to `save`, which stores it through the domain's own draft service,
and the page shows the saved draft. Anyone else signing in on that browser gets nothing.
"""
