using SkiaSharp;

namespace Ember.Plots;

/// <summary>
/// A sans-serif typeface for charts drawn with Skia directly. Skia's font manager may know no fonts
/// (the self-contained Linux build has no fontconfig), so common font files are tried as well.
/// </summary>
internal static class PlotFonts
{
    static readonly Lazy<SKTypeface> sans = new(FindSans);
    static readonly Lazy<SKTypeface> sansBold = new(() => SKTypeface.FromFamilyName(Sans.FamilyName, SKFontStyle.Bold) is { } t && t.FamilyName == Sans.FamilyName ? t : Sans);

    public static SKTypeface Sans => sans.Value;
    public static SKTypeface SansBold => sansBold.Value;

    static readonly string[] families = ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Noto Sans", "Segoe UI"];
    static readonly string[] files =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/System/Library/Fonts/Helvetica.ttc",
        @"C:\Windows\Fonts\arial.ttf",
    ];

    static SKTypeface FindSans()
    {
        foreach (string family in families)
            if (SKFontManager.Default.MatchFamily(family) is { } typeface)
                return typeface;
        foreach (string file in files)
            if (File.Exists(file) && SKTypeface.FromFile(file) is { } typeface)
                return typeface;
        return SKTypeface.Default;
    }
}
