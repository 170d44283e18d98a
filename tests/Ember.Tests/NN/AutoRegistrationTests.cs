using Ember.NN;
using Xunit;

namespace Ember.Tests;

/// <summary>Modules and parameters held in members are registered under their snake_case member names, once, lazily.</summary>
public class AutoRegistrationTests
{
    sealed class Mixed : Module<Tensor, Tensor>
    {
        public Linear First { get; }
        public Linear OutProj { get; } = new(2, 3);
        readonly Linear _hidden = new(3, 3);
        public Parameter InProjWeight { get; } = new(Tensor.Zeros(3));
        public Tensor NotABuffer { get; } = Tensor.Zeros(1);
        public Linear[] NotScanned { get; } = [new Linear(1, 1)];
        public Linear? Missing { get; }

        public Mixed() => First = Child("first", new Linear(2, 2));

        public override Tensor Forward(Tensor input) => _hidden.Forward(OutProj.Forward(First.Forward(input)));
    }

    sealed class Wrapper(Linear inner) : Module<Tensor, Tensor>
    {
        public override Tensor Forward(Tensor input) => inner.Forward(input);
    }

    sealed class Clash : Module
    {
        public Linear Fc { get; } = new(1, 1);
        public Clash() => Child("fc", new Linear(2, 2));
    }

    sealed class Derived : BaseWithLayer
    {
        public Linear Top { get; } = new(1, 1);
    }

    abstract class BaseWithLayer : Module
    {
        public Linear Bottom { get; } = new(1, 1);
    }

    [Theory]
    [InlineData("Fc1", "fc1")]
    [InlineData("OutProj", "out_proj")]
    [InlineData("_encoder", "encoder")]
    [InlineData("LSTMCell", "lstm_cell")]
    [InlineData("BN1", "bn1")]
    [InlineData("weight", "weight")]
    [InlineData("inProjWeight", "in_proj_weight")]
    [InlineData("Conv2d", "conv2d")]
    [InlineData("Layer1Norm", "layer1_norm")]
    public void MemberNamesBecomeSnakeCase(string member, string name) => Assert.Equal(name, Module.SnakeCase(member));

    [Fact]
    public void ExplicitOnesComeFirstThenMembersInDeclarationOrder()
    {
        var m = new Mixed();
        Assert.Equal(["first", "out_proj", "hidden"], m.NamedChildren().Select(c => c.Name));
        Assert.Equal(["in_proj_weight", "first.weight", "first.bias", "out_proj.weight", "out_proj.bias", "hidden.weight", "hidden.bias"],
            m.NamedParameters().Select(p => p.Name));
        Assert.DoesNotContain(m.StateDict().Keys, k => k.Contains("not", StringComparison.Ordinal) || k.Contains("missing", StringComparison.Ordinal));
    }

    [Fact]
    public void PrimaryConstructorParametersAreRegisteredByTheirName()
    {
        var w = new Wrapper(new Linear(2, 2));
        Assert.Equal(["inner.weight", "inner.bias"], w.StateDict().Keys);
    }

    [Fact]
    public void BaseClassMembersComeFirst()
        => Assert.Equal(["bottom", "top"], new Derived().NamedChildren().Select(c => c.Name));

    [Fact]
    public void AMemberWhoseNameIsTakenIsAClearError()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new Clash().StateDict());
        Assert.Contains("Fc", e.Message);
        Assert.Contains("'fc'", e.Message);
    }

    [Fact]
    public void TheScanRunsOnce()
    {
        var m = new Mixed();
        Assert.Equal(3, m.NamedChildren().Count());
        Assert.Equal(3, m.NamedChildren().Count());
        Assert.Equal(m.StateDict().Count, m.StateDict().Count);
        Assert.Equal(7, m.Parameters().Count());
    }

    [Fact]
    public void TrainModeReachesAutomaticChildren()
    {
        var w = new Wrapper(new Linear(2, 2));
        w.Eval();
        Assert.All(w.Modules(), m => Assert.False(m.Training));
    }
}
