"""Subject access and data portability: for one child, a ZIP of everything the portal holds
(README, "Subject access"). It reads every app, so it sits at the top of the layers."""
