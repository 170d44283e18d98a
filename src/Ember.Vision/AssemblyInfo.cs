// Ember.Vision: images (decode, encode) and plots, on SkiaSharp and ScottPlot.
