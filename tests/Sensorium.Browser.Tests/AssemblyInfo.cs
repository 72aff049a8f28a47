// Each browser test starts its own app (with training workers) and Chromium: run side by side on a 2-core machine
// they starve each other (a sign-in page load once took over 60 s), so they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
