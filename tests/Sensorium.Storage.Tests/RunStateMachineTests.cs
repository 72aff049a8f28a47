using Sensorium.Storage.Runs;

namespace Sensorium.Storage.Tests;

public sealed class RunStateMachineTests
{
    [Theory]
    [InlineData(RunStatus.Queued, RunStatus.Running, true)]
    [InlineData(RunStatus.Queued, RunStatus.Cancelled, true)]
    [InlineData(RunStatus.Queued, RunStatus.Succeeded, false)]
    [InlineData(RunStatus.Running, RunStatus.Succeeded, true)]
    [InlineData(RunStatus.Running, RunStatus.Failed, true)]
    [InlineData(RunStatus.Running, RunStatus.Interrupted, true)]
    [InlineData(RunStatus.Running, RunStatus.Queued, false)]
    [InlineData(RunStatus.Interrupted, RunStatus.Queued, true)]
    [InlineData(RunStatus.Succeeded, RunStatus.Queued, false)]
    [InlineData(RunStatus.Cancelled, RunStatus.Running, false)]
    [InlineData(RunStatus.Failed, RunStatus.Cancelled, false)]
    public void Allowed_transitions(RunStatus from, RunStatus to, bool allowed) =>
        Assert.Equal(allowed, RunStateMachine.CanTransition(from, to));

    [Fact]
    public void Final_states_have_no_way_out()
    {
        Assert.All(Enum.GetValues<RunStatus>(), s =>
            Assert.Equal(s is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled, RunStateMachine.IsFinal(s)));
    }
}
