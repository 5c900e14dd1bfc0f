"""Following (关注): anyone signed in follows a tender, a funded project, an organization or a need, and hears of
its progress in the app and by e-mail, at once or in a daily digest."""
