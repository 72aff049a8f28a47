using Sensorium.Storage.Accounts;
using Sensorium.Storage.Nodes;
using Sensorium.Storage.Runs;

namespace Sensorium.Storage.Tests;

/// <summary>
/// The dispatcher lease of several web nodes (migration 0011) and the guard that no run starts twice, on a real
/// database of each engine: two nodes race for the lease, and two dispatchers race to start the same queued run.
/// </summary>
public abstract class DispatcherLeaseStoreTests(DatabaseEngine engine) : IDisposable
{
    readonly TempDatabase temp = new(engine);
    DispatcherLeaseStore leases => field ??= new DispatcherLeaseStore(temp.Database);
    public void Dispose() => temp.Dispose();

    static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task One_node_holds_the_lease_renews_it_and_the_other_is_refused_until_it_is_released()
    {
        var (a, stateA) = await leases.TryAcquireAsync("a", "a1", Long);
        Assert.True(a);
        Assert.Equal(("a", "a1"), (stateA.Holder, stateA.Instance));
        Assert.InRange(stateA.Remaining.TotalMinutes, 4.9, 5.0);

        var (b, seenByB) = await leases.TryAcquireAsync("b", "b1", Long);
        Assert.False(b);
        Assert.Equal("a", seenByB.Holder);
        Assert.False((await leases.TryAcquireAsync("b", "b1", Long, atStart: true)).Held); // at start, only its own node id

        var firstAcquired = stateA.AcquiredAt;
        var (renewed, afterRenewal) = await leases.TryAcquireAsync("a", "a1", Long);
        Assert.True(renewed);
        Assert.Equal(firstAcquired, afterRenewal.AcquiredAt); // a renewal keeps when it was taken
        Assert.True(afterRenewal.ExpiresMs >= stateA.ExpiresMs);

        Assert.False(await leases.ReleaseAsync("b", "b1")); // not b's to give up
        Assert.True(await leases.ReleaseAsync("a", "a1"));
        Assert.True((await leases.TryAcquireAsync("b", "b1", Long)).Held);
        Assert.Equal("b", (await leases.GetAsync()).Holder);
    }

    [Fact]
    public async Task An_expired_lease_is_taken_over_and_its_old_holder_cannot_renew_it()
    {
        Assert.True((await leases.TryAcquireAsync("a", "a1", TimeSpan.FromMilliseconds(200))).Held);
        Assert.False((await leases.TryAcquireAsync("b", "b1", Long)).Held);

        // Wait on the database's own clock (what the lease is judged by) until it says expired.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await leases.GetAsync()).Remaining > TimeSpan.Zero)
        {
            Assert.True(DateTime.UtcNow < deadline, "the lease never expired");
            await Task.Delay(20);
        }
        var (b, state) = await leases.TryAcquireAsync("b", "b1", Long);
        Assert.True(b);
        Assert.Equal("b", state.Holder);
        Assert.False((await leases.TryAcquireAsync("a", "a1", Long)).Held); // the old holder is refused now
    }

    [Fact]
    public async Task A_restarted_node_takes_its_own_lease_back_at_start_and_the_old_process_then_loses_it()
    {
        Assert.True((await leases.TryAcquireAsync("a", "old", Long)).Held);
        Assert.False((await leases.TryAcquireAsync("a", "new", Long)).Held); // not outside a start
        Assert.True((await leases.TryAcquireAsync("a", "new", Long, atStart: true)).Held);
        Assert.False((await leases.TryAcquireAsync("a", "old", Long)).Held);
    }

    [Fact]
    public async Task Of_many_nodes_racing_for_a_free_lease_exactly_one_wins()
    {
        var attempts = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Task.Run(() => leases.TryAcquireAsync($"n{i}", $"i{i}", Long))));
        var winner = Assert.Single(attempts, a => a.Held);
        Assert.Equal(winner.State.Holder, (await leases.GetAsync()).Holder);
    }

    [Fact]
    public async Task Two_dispatchers_starting_the_same_queued_run_at_once_start_it_exactly_once()
    {
        var time = TimeProvider.System;
        var team = await new TeamStore(temp.Database, time).CreateAsync("A");
        var user = await new UserStore(temp.Database, time).CreateAsync("A-user", "h", team.Id, false);
        // Two nodes' stores on the same database, as two web nodes have them.
        RunStore nodeA = new(temp.Database, time), nodeB = new(temp.Database, time);
        for (int round = 0; round < 5; round++)
        {
            var run = await nodeA.CreateAsync(new NewRun(team.Id, user.Id, $"r{round}", """{"seed":1}""", null));
            var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                try
                {
                    await (i % 2 == 0 ? nodeA : nodeB).TransitionAsync(run.Id, RunStatus.Running, device: $"cpu-{i}");
                    return true;
                }
                catch (InvalidRunTransitionException)
                {
                    return false;
                }
            })));
            Assert.Equal(1, outcomes.Count(started => started));
            Assert.Equal(RunStatus.Running, (await nodeB.GetAsync(run.Id))!.Status);
        }
    }
}

public sealed class DispatcherLeaseStoreOnSqliteTests() : DispatcherLeaseStoreTests(DatabaseEngine.Sqlite);

public sealed class DispatcherLeaseStoreOnPostgresTests() : DispatcherLeaseStoreTests(DatabaseEngine.Postgres);
