namespace Ember.Training;

/// <summary>How a run reports its progress.</summary>
public enum ProgressMode
{
    /// <summary>A live bar on a terminal; one line per epoch when the output is redirected or a writer is given.</summary>
    Auto,
    /// <summary>A live bar (Spectre.Console), redrawn at most ten times a second.</summary>
    Bar,
    /// <summary>One plain line per epoch, for logs and CI.</summary>
    Lines,
    /// <summary>Nothing at all.</summary>
    Quiet,
}
