"""The app's own state in the instance folder: users, audit log, sign-in throttle."""
