using Ember.Imaging;
using SkiaSharp;

namespace Ember.Plots;

/// <summary>A grid of images with their predicted and true labels; wrong predictions are marked in red.</summary>
public static class ImageGridPlot
{
    static readonly SKColor correctColour = new(0x1b, 0x7f, 0x3b);
    static readonly SKColor wrongColour = new(0xd6, 0x27, 0x28);

    /// <summary>
    /// Draws the images of a [N, C, H, W] batch (C = 1, 3 or 4; float in [0, 1] or UInt8) in a grid, each
    /// captioned with its predicted and true class, and writes it as a PNG of the given size.
    /// </summary>
    /// <param name="images">The batch, [N, C, H, W] (or [N, H, W] for grayscale).</param>
    /// <param name="predicted">The predicted class of each image.</param>
    /// <param name="targets">The true class of each image.</param>
    /// <param name="classNames">Names by class index; null prints the indices.</param>
    /// <param name="path">The PNG file to write; its folder is created.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="columns">Images per row; by default about the square root of N.</param>
    /// <param name="title">The title above the grid.</param>
    public static void Save(Tensor images, ReadOnlySpan<long> predicted, ReadOnlySpan<long> targets,
        IReadOnlyList<string>? classNames, string path, int width = 900, int height = 900, int? columns = null,
        string title = "Predictions")
        => PlotFiles.Write(path, Render(images, predicted, targets, classNames, width, height, columns, title));

    /// <summary>The grid of <see cref="Save"/> as PNG bytes.</summary>
    public static byte[] Render(Tensor images, ReadOnlySpan<long> predicted, ReadOnlySpan<long> targets,
        IReadOnlyList<string>? classNames, int width = 900, int height = 900, int? columns = null,
        string title = "Predictions")
    {
        const string op = "ImageGridPlot.Render";
        ArgumentNullException.ThrowIfNull(images);
        PlotFiles.CheckSize(width, height, op);
        int[] shape = images.Shape;
        if (shape.Length is not (3 or 4) || shape[0] == 0)
            throw new ArgumentException($"{op}: expected a non-empty batch of images [N, C, H, W] or [N, H, W], got {ImagePixels.Format(shape)}.", nameof(images));
        int count = shape[0];
        if (predicted.Length != count || targets.Length != count)
            throw new ArgumentException($"{op}: {count} images with {predicted.Length} predictions and {targets.Length} targets; expected one of each per image.", nameof(predicted));
        if (columns is <= 0)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, $"{op}: columns must be positive, got {columns}.");

        int cols = columns ?? (int)Math.Ceiling(Math.Sqrt(count));
        int rows = (count + cols - 1) / cols;

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);

        float titleSize = Math.Clamp(Math.Min(width, 1.5f * height) / 28f, 12f, 28f);
        using var titleFont = new SKFont(PlotFonts.SansBold, titleSize);
        using var ink = new SKPaint { IsAntialias = true, Color = SKColors.Black };
        canvas.DrawText(title, width / 2f, titleSize * 1.3f, SKTextAlign.Center, titleFont, ink);

        float top = titleSize * 2f, margin = 8;
        float cellWidth = (width - margin) / cols, cellHeight = (height - top - margin) / rows;
        float captionSize = Math.Clamp(cellHeight / 9f, 8f, 16f);
        using var captionFont = new SKFont(PlotFonts.Sans, captionSize);
        using var frame = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 3, Color = wrongColour };
        // Small images (MNIST digits) are enlarged without blurring their pixels.
        var sampling = new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None);

        for (int i = 0; i < count; i++)
        {
            float x = margin + (i % cols) * cellWidth, y = top + (i / cols) * cellHeight;
            float boxWidth = cellWidth - margin, boxHeight = cellHeight - margin - 2.4f * captionSize;
            using var image = images.Select(0, i);
            using var bitmap = ImagePixels.ToBitmap(image, op);
            using var skImage = SKImage.FromBitmap(bitmap);
            float scale = Math.Min(boxWidth / bitmap.Width, boxHeight / bitmap.Height);
            float w = bitmap.Width * scale, h = bitmap.Height * scale;
            // The image and its caption together sit in the middle of the cell.
            float groupTop = y + (cellHeight - margin - h - 2.4f * captionSize) / 2;
            var rect = SKRect.Create(x + (boxWidth - w) / 2, groupTop, w, h);
            canvas.DrawImage(skImage, rect, sampling);

            bool right = predicted[i] == targets[i];
            if (!right)
                canvas.DrawRect(rect, frame);
            ink.Color = right ? correctColour : wrongColour;
            float cx = x + boxWidth / 2, textY = rect.Bottom + 1.1f * captionSize;
            canvas.DrawText(Fit($"pred: {Name(predicted[i], classNames)}", captionFont, boxWidth), cx, textY, SKTextAlign.Center, captionFont, ink);
            ink.Color = SKColors.DimGray;
            canvas.DrawText(Fit($"true: {Name(targets[i], classNames)}", captionFont, boxWidth), cx, textY + 1.15f * captionSize, SKTextAlign.Center, captionFont, ink);
        }

        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The text, shortened with an ellipsis until it fits in <paramref name="width"/> pixels.</summary>
    static string Fit(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width)
            return text;
        for (int n = text.Length - 1; n > 1; n--)
        {
            string shorter = text[..n] + "…";
            if (font.MeasureText(shorter) <= width)
                return shorter;
        }
        return text[..1];
    }

    static string Name(long label, IReadOnlyList<string>? classNames)
        => classNames is not null && label >= 0 && label < classNames.Count ? classNames[(int)label] : label.ToString();
}
