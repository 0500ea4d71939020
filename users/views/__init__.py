"""The pages of the users app: sign-in, Manage users (classes and accounts), activation."""
