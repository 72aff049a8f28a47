using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Training;

/// <summary>
/// One mouse's arrays uploaded once to the training device. Batches are gathered there with <c>index_select</c>,
/// so no per-batch host→device copy of images or responses happens, and no per-epoch copy at all.
/// </summary>
internal sealed class DeviceData : IDisposable
{
    public DeviceData(MouseTrainingData mouse, Device device, bool behaviorChannels, bool pupilCenter)
    {
        Mouse = mouse;
        BehaviorChannels = behaviorChannels;
        int t = mouse.TrialCount;
        Images = tensor(mouse.Images, [t, 1, mouse.Height, mouse.Width], device: device);            // (T,1,H,W)
        Responses = tensor(mouse.Responses, [t, mouse.NeuronCount], device: device);                 // (T,N)
        Behavior = behaviorChannels ? tensor(mouse.Behavior, [t, 3], device: device) : null;          // (T,3)
        PupilCenter = pupilCenter ? tensor(mouse.PupilCenter, [t, 2], device: device) : null;        // (T,2)
        Device = device;
    }

    public MouseTrainingData Mouse { get; }
    public bool BehaviorChannels { get; }
    public Device Device { get; }
    public Tensor Images { get; }
    public Tensor Responses { get; }
    public Tensor? Behavior { get; }
    public Tensor? PupilCenter { get; }

    /// <summary>Long tensor of trial indices on the device.</summary>
    public Tensor Index(int[] trials) => tensor(trials.Select(i => (long)i).ToArray(), device: Device);

    /// <summary>Model input (B, 1 or 4, H, W) for the trials in <paramref name="index"/>: image, then behaviour planes.</summary>
    public Tensor Inputs(Tensor index)
    {
        var images = Images.index_select(0, index); // (B,1,H,W)
        if (Behavior is null) return images;
        using var b = Behavior.index_select(0, index);                                    // (B,3)
        using var planes = b.view(-1, 3, 1, 1).expand(-1, 3, Mouse.Height, Mouse.Width); // (B,3,H,W)
        using (images) return cat([images, planes], 1);                                  // (B,4,H,W)
    }

    public Tensor? Pupil(Tensor index) => PupilCenter?.index_select(0, index); // (B,2)

    public void Dispose()
    {
        Images.Dispose();
        Responses.Dispose();
        Behavior?.Dispose();
        PupilCenter?.Dispose();
    }
}
