/** @odoo-module */

import { Component, onWillStart, onMounted, onWillUnmount, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

// Refresh the front desk screen every minute (waiting times, late arrivals).
const REFRESH_MS = 60000;

/**
 * The staff dashboard ("Painel"): the front desk's day or the manager's month.
 * All figures come from one server call (dental.dashboard.get_dashboard_data);
 * every figure opens the filtered list the server built for it.
 */
export class DentalDashboard extends Component {
    static template = "dental_clinic.DentalDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.screen = this.props.action.params?.screen || "front_desk";
        this.state = useState({ data: null });
        // key: figure in the month's data; action: the list behind it.
        this.figures = [
            { key: "visits", action: "visits", label: _t("Visits"), lowerIsBetter: false, unit: "" },
            { key: "appointments", action: "appointments", label: _t("Appointments"), lowerIsBetter: false, unit: "" },
            { key: "no_show_rate", action: "no_shows", label: _t("No-show rate"), lowerIsBetter: true, unit: " %" },
            { key: "late_cancellations", action: "late_cancellations", label: _t("Late cancellations"),
              lowerIsBetter: true, unit: "" },
            { key: "new_patients", action: "new_patients", label: _t("New patients"), lowerIsBetter: false, unit: "" },
            { key: "occupancy_booked", action: "occupancy", label: _t("Chair occupancy (booked)"),
              lowerIsBetter: false, unit: " %" },
            { key: "occupancy_used", action: "occupancy", label: _t("Chair occupancy (used)"),
              lowerIsBetter: false, unit: " %" },
        ];
        onWillStart(() => this.load());
        if (this.screen === "front_desk") {
            onMounted(() => {
                this.interval = setInterval(() => this.load(), REFRESH_MS);
            });
            onWillUnmount(() => clearInterval(this.interval));
        }
    }

    async load() {
        this.state.data = await this.orm.call("dental.dashboard", "get_dashboard_data", [], {
            screen: this.screen,
        });
    }

    openAction(action) {
        this.action.doAction(action);
    }

    openAppointment(id) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "dental.appointment",
            res_id: id,
            views: [[false, "form"]],
            target: "current",
        });
    }

    trend(current, previous, lowerIsBetter = false) {
        if (current === previous) {
            return "";
        }
        const better = lowerIsBetter ? current < previous : current > previous;
        return better ? "text-success" : "text-danger";
    }
}

registry.category("actions").add("dental_clinic.dashboard", DentalDashboard);
