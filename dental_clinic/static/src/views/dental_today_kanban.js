/** @odoo-module **/
/**
 * The Today board: a card dropped in another column runs the same action as its
 * button (confirm, patient arrived, start, done, no-show, cancel wizard), so the
 * server's transition rules and their side effects (arrival time, treatments of
 * the visit) apply exactly as with the buttons.
 */
import { onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useBus, useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";

const STATE_ACTIONS = {
    confirmed: "action_confirm",
    arrived: "action_arrive",
    in_progress: "action_start",
    done: "action_done",
    no_show: "action_no_show",
    cancelled: "action_open_cancel_wizard",
};

export class DentalTodayKanbanRenderer extends KanbanRenderer {
    setup() {
        super.setup();
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.notification = useService("notification");
    }

    async sortRecordDrop(dataRecordId, dataGroupId, { element, parent, previous }) {
        const list = this.props.list;
        const source = list.groups.find((group) => group.id === dataGroupId);
        const target = parent && list.groups.find((group) => group.id === parent.dataset.id);
        if (!list.isGrouped || !source || !target || source === target) {
            return super.sortRecordDrop(...arguments);
        }
        parent.classList.remove("o_kanban_hover");
        const record = source.list.records.find((rec) => rec.id === dataRecordId);
        const method = STATE_ACTIONS[target.value];
        if (!record || !method) {
            this.notification.add(_t("An appointment cannot go back to this step."), { type: "warning" });
            await list.model.load();
            return;
        }
        try {
            const action = await this.orm.call(list.resModel, method, [[record.resId]]);
            if (action && typeof action === "object") {
                await this.actionService.doAction(action, { onClose: () => list.model.load() });
            }
        } finally {
            await list.model.load();
        }
    }
}

/**
 * Above the board, tomorrow's appointments still to confirm: the front desk's calls
 * for the day, one click from their list; and today's dentists: their hours, who is
 * absent (by type), and each one's next free times within their hours, a click from
 * a new appointment there. Read again whenever the board reloads.
 */
export class DentalTodayKanbanController extends KanbanController {
    static template = "dental_clinic.TodayKanbanView";

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.tomorrow = useState({ count: 0, action: null });
        this.dentists = useState({ rows: [] });
        onWillStart(() => this.loadTomorrow());
        const reload = useDebounced(() => this.loadTomorrow(), 300);
        useBus(this.model.bus, "update", reload);
    }

    async loadTomorrow() {
        const [{ count, action }, rows] = await Promise.all([
            this.orm.call("dental.dashboard", "get_tomorrow_unconfirmed", []),
            this.orm.call("dental.dashboard", "get_today_dentists", []),
        ]);
        Object.assign(this.tomorrow, { count, action });
        this.dentists.rows = rows;
    }

    bookFreeTime(dentist, slot) {
        this.actionService.doAction(
            {
                type: "ir.actions.act_window",
                name: _t("New Appointment"),
                res_model: "dental.appointment",
                views: [[false, "form"]],
                target: "current",
            },
            {
                additionalContext: {
                    default_start: slot.start,
                    default_stop: slot.stop,
                    default_duration: slot.duration,
                    default_chair_id: slot.chair_id,
                    default_dentist_id: dentist.id,
                },
            }
        );
    }

    get tomorrowLabel() {
        return this.tomorrow.count === 1
            ? _t("Tomorrow: 1 appointment to confirm")
            : _t("Tomorrow: %s appointments to confirm", this.tomorrow.count);
    }

    openTomorrow() {
        this.actionService.doAction(this.tomorrow.action);
    }
}

registry.category("views").add("dental_today_kanban", {
    ...kanbanView,
    Controller: DentalTodayKanbanController,
    Renderer: DentalTodayKanbanRenderer,
});
