# %% [markdown]
"""Integrate-and-fire intuition, cell by cell: f–I curve, refractoriness, adaptation.

A teaching script in notebook form: open it in Jupyter or VS Code (the
``# %%`` markers are cells) or run ``python -m validation.teaching_if [figure.png]``.
Every cell prints what a student should see and **asserts** it, so the
script doubles as a test (``tests/test_family_docs.py`` runs it without the
plotting cell). Units: Norse's defaults, read in seconds (``dt = 1 ms``) with
a dimensionless voltage (threshold 1); rates in Hz. See
``docs/tutorial_teaching.rst``.
"""

# %%
import numpy as np

from refsnn import analysis, simulate
from refsnn.functional.lif import LIFParameters
from refsnn.functional.lif_adex import LIFAdExParameters
from refsnn.functional.lif_refrac import LIFRefracParameters

DT = 1e-3                      # 1 ms steps
STEPS, TRANSIENT = 600, 100    # 0.6 s per neuron; the first 100 ms are not counted
WINDOW = (STEPS - TRANSIENT) * DT
P = LIFParameters()            # tau_mem = 10 ms, tau_syn = 5 ms, v_th = 1, v_reset = v_leak = 0
TAU_MEM, A = 1 / P.tau_mem_inv, DT * P.tau_mem_inv   # A: the fraction of the gap closed per step
X = np.round(np.arange(0.1, 1.001, 0.025), 3)        # constant input per step, one neuron each

# %% [markdown]
# ## 1. The f–I curve of a LIF neuron
#
# A constant input ``x`` per step holds the synaptic current at
# ``I = x / (dt / tau_syn) = 5 x``. The voltage then relaxes towards ``I``
# from the reset value 0 and fires when it passes 1, so nothing happens below
# the **rheobase** ``I = 1`` (``x = 0.2``). Above it, the ODE takes
# ``T = tau_mem ln(I / (I - 1))`` from reset to threshold: the rate ``1/T``
# rises steeply at the rheobase (a logarithmic singularity) and then almost
# linearly. The forward-Euler step closes a fraction ``A = dt / tau_mem`` of
# the gap per step, so the simulated neuron needs exactly the smallest ``n``
# with ``I (1 - (1 - A)^n) > 1`` steps between spikes.

# %%
rates = analysis.fi_curve("lif", X, params=P, steps=STEPS, dt=DT, backend="numpy",
                          transient=TRANSIENT)
current = X / (DT * P.tau_syn_inv)
above = current > 1
ode = np.zeros_like(X)
ode[above] = 1 / (TAU_MEM * np.log(current[above] / (current[above] - 1)))
steps_to_fire = np.full(X.shape, np.inf)
steps_to_fire[above] = np.floor(np.log(1 - 1 / current[above]) / np.log(1 - A)) + 1
euler = 1 / (steps_to_fire * DT)

print("x      I = 5x   simulated   Euler map   ODE (Hz)")
for row in zip(X, current, rates, euler, ode):
    print("{:5.3f}  {:6.3f}  {:9.1f}  {:10.1f}  {:7.1f}".format(*row))
# Counting spikes in a 0.5 s window is exact up to one spike (1 / 0.5 s = 2 Hz):
assert np.all(rates[current <= 1] == 0), "no spikes at or below the rheobase"
assert np.all(np.diff(rates) >= -1 / WINDOW - 1e-9), "the f-I curve rises with the input"
assert np.all(np.abs(rates - euler) <= 1 / WINDOW + 1e-9), "the simulation is the Euler map"
print(f"rheobase x = 0.2; at x = {X[-1]} the Euler neuron fires at {rates[-1]:.0f} Hz, "
      f"the ODE at {ode[-1]:.0f} Hz: the ISI is a whole number of steps, so the Euler "
      "curve is a staircase, and with only a few steps per ISI it departs from the ODE")

# %% [markdown]
# ## 2. Refractoriness caps the rate
#
# ``lif_refrac`` holds the voltage for ``rho_reset`` steps after each spike,
# so every interspike interval is the LIF's ``n`` plus ``rho_reset`` steps:
# the f–I curve bends over and can never exceed ``1 / ((rho_reset + 1) dt)``
# (a spike every ``rho_reset + 1`` steps), however strong the input.

# %%
strong = np.append(X, [5.0, 50.0])
refractory_rates = {}
for rho in (2.0, 5.0, 10.0):
    p = LIFRefracParameters(lif=P, rho_reset=rho)
    r = analysis.fi_curve("lif_refrac", strong, params=p, steps=STEPS, dt=DT,
                          backend="numpy", transient=TRANSIENT)
    refractory_rates[rho] = r
    ceiling = 1 / ((rho + 1) * DT)
    print(f"rho_reset = {rho:4.0f} steps: rate at x = 1 is {r[len(X) - 1]:5.1f} Hz, at x = 50 "
          f"{r[-1]:5.1f} Hz; ceiling 1/((rho+1) dt) = {ceiling:5.1f} Hz")
    assert np.all(r <= ceiling + 1 / WINDOW), "no rate above the ceiling"
    assert abs(r[-1] - ceiling) <= 1 / WINDOW + 1e-9, "a huge input reaches the ceiling"
    with_refractory = 1 / ((steps_to_fire + rho) * DT)
    assert np.all(np.abs(r[:len(X)] - with_refractory) <= 1 / WINDOW + 1e-9), \
        "ISI = the LIF's n steps + rho_reset"
    assert np.all(r[:len(X)] <= rates + 1e-9), "refractoriness only slows the neuron"

# %% [markdown]
# ## 3. Adaptation: the neuron slows down under constant drive
#
# The AdEx neuron (``lif_adex``) carries an adaptation current ``a`` that
# grows with every spike (by ``adaptation_spike``) and with the
# depolarisation (``adaptation_current``), and decays with ``tau_ada``
# (0.5 s). Under a current step the first interspike intervals are short and
# the later ones long: the **adaptation index** (mean normalised change of
# consecutive ISIs) is positive, and the f–I curve (rates from 100 to
# 600 ms) lies below the curve of the same neuron without adaptation.

# %%
step = np.zeros((500, 1))
step[50:] = 0.4
spikes, history = simulate("lif_adex", step, dt=DT, backend="numpy",
                           record_states=("a",))
times = analysis.spike_times(spikes, DT)[0]
intervals = np.diff(times) * 1e3
index = analysis.adaptation_index(times)
print(f"AdEx, step 0.4: {len(times)} spikes, ISIs {intervals[0]:.0f} ms -> "
      f"{intervals[-1]:.0f} ms, adaptation index {index:.3f}, a up to {history.a.max():.2f}")
assert intervals[-1] > 2 * intervals[0] and index > 0

adex = LIFAdExParameters()
no_adaptation = adex._replace(adaptation_current=0.0, adaptation_spike=0.0)
inputs = np.round(np.arange(0.1, 1.001, 0.1), 2)
adapted = analysis.fi_curve("lif_adex", inputs, params=adex, steps=STEPS, dt=DT,
                            backend="numpy", transient=TRANSIENT)
plain = analysis.fi_curve("lif_adex", inputs, params=no_adaptation, steps=STEPS, dt=DT,
                          backend="numpy", transient=TRANSIENT)
print("x     with adaptation   without (Hz)")
for row in zip(inputs, adapted, plain):
    print("{:4.2f}  {:15.1f}  {:12.1f}".format(*row))
assert np.all(adapted <= plain) and adapted[-1] < 0.8 * plain[-1], \
    "adaptation lowers the sustained f-I curve"

# %% [markdown]
# ## 4. Figures (when run as a script or in a notebook)

# %%
if __name__ == "__main__":
    import sys

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(13, 3.8))
    left.plot(X, rates, "o", ms=3, label="simulated (dt = 1 ms)")
    left.plot(X, euler, "-", lw=1, label="Euler map")
    left.plot(X, ode, "--", lw=1, label="ODE")
    left.set(xlabel="input x per step", ylabel="rate (Hz)", title="LIF f–I curve")
    left.legend(fontsize=8)
    middle.plot(X, rates, "k-", lw=1, label="no refractory period")
    for rho, r in refractory_rates.items():
        middle.plot(X, r[:len(X)], label=f"rho_reset = {rho:g} steps")
    middle.set(xlabel="input x per step", title="refractoriness")
    middle.legend(fontsize=8)
    right.plot(times[1:] * 1e3, intervals, "o-", ms=3)
    right.set(xlabel="time (ms)", ylabel="ISI (ms)", title="AdEx: adaptation lengthens ISIs")
    fig.tight_layout()
    out = sys.argv[1] if len(sys.argv) > 1 else "teaching_if.png"
    fig.savefig(out, dpi=100)
    print(f"figure written to {out}")
