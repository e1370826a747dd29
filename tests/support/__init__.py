"""What the tests share: real git repositories in temp folders, and strict stand-ins for the model
server and the GitHub API on 127.0.0.1."""
