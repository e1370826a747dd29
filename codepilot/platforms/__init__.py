"""Publishing a review where people read it: GitHub pull requests and GitLab merge requests (one
HTTP client, `http`), and incremental reviews of them (`incremental`)."""
