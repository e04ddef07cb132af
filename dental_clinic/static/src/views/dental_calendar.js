/** @odoo-module **/
/**
 * The clinic's calendar: Odoo's calendar view plus a "New" button, the clinic's
 * closed hours shaded, and events that show chair, dentist and the medical-alert
 * marker (cancelled and no-show appointments are struck through).
 * The dentists shown (side panel, search) have their hours off shaded and their
 * absences marked by type, as the server computes them (get_calendar_dentist_hours).
 */
import { deserializeDateTime, serializeDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { calendarView } from "@web/views/calendar/calendar_view";
import { CalendarController } from "@web/views/calendar/calendar_controller";
import { CalendarModel } from "@web/views/calendar/calendar_model";
import { CalendarRenderer } from "@web/views/calendar/calendar_renderer";
import { CalendarCommonRenderer } from "@web/views/calendar/calendar_common/calendar_common_renderer";

export class DentalCalendarModel extends CalendarModel {
    async loadRecords(data) {
        if (!this.businessHours) {
            this.businessHours = await this.orm.call(this.meta.resModel, "get_calendar_business_hours", []);
        }
        return super.loadRecords(data);
    }

    async updateData(data) {
        await super.updateData(data);
        data.dentistHours = await this.loadDentistHours(data);
    }

    get dentistHours() {
        return this.data.dentistHours || { closed: [], absences: [] };
    }

    /** The dentists the side panel keeps, if it leaves some out; else the server reads the search. */
    async loadDentistHours(data) {
        if (this.meta.scale === "month") {
            return { closed: [], absences: [] }; // a month shows no hours
        }
        const section = data.filterSections.dentist_id;
        let dentistIds = null;
        if (section) {
            const filters = section.filters.filter((f) => f.type !== "all" && f.value);
            const all = section.filters.find((f) => f.type === "all");
            if (!all?.active && filters.some((f) => !f.active)) {
                dentistIds = filters.filter((f) => f.active).map((f) => f.value);
                if (!dentistIds.length) {
                    return { closed: [], absences: [] };
                }
            }
        }
        return this.orm.call(
            this.meta.resModel,
            "get_calendar_dentist_hours",
            [serializeDateTime(data.range.start), serializeDateTime(data.range.end)],
            { domain: this.meta.domain, dentist_ids: dentistIds }
        );
    }
}

export class DentalCalendarCommonRenderer extends CalendarCommonRenderer {
    static eventTemplate = "dental_clinic.CalendarEvent";

    get options() {
        const options = super.options;
        const businessHours = this.props.model.businessHours;
        if (businessHours && businessHours.length) {
            options.businessHours = businessHours;
        }
        return options;
    }

    mapRecordsToEvents() {
        const events = super.mapRecordsToEvents();
        if (this.props.model.scale === "month") {
            return events;
        }
        const { closed, absences } = this.props.model.dentistHours;
        const background = (start, stop, className, title) => ({
            start: deserializeDateTime(start).toISO(),
            end: deserializeDateTime(stop).toISO(),
            display: "background",
            classNames: [className],
            title,
        });
        closed.forEach(([start, stop]) => events.push(background(start, stop, "o_dental_dentist_off", "")));
        for (const { start, stop, label } of absences) {
            events.push(background(start, stop, "o_dental_dentist_absent", ""));
            // Its type in the all-day row, in sight whatever hour the grid is scrolled to.
            const last = deserializeDateTime(stop).minus({ seconds: 1 });
            events.push({
                start: deserializeDateTime(start).toISODate(),
                end: last.plus({ days: 1 }).toISODate(),
                allDay: true,
                display: "background",
                classNames: ["o_dental_dentist_absent"],
                title: label,
            });
        }
        return events;
    }

    eventClassNames(info) {
        return info.event.display === "background" ? [] : super.eventClassNames(info);
    }
}

export class DentalCalendarRenderer extends CalendarRenderer {
    static components = {
        ...CalendarRenderer.components,
        day: DentalCalendarCommonRenderer,
        week: DentalCalendarCommonRenderer,
        month: DentalCalendarCommonRenderer,
    };
}

export class DentalCalendarController extends CalendarController {
    static template = "dental_clinic.CalendarController";

    onClickNew() {
        this.action.doAction(
            {
                type: "ir.actions.act_window",
                res_model: this.props.resModel,
                views: [[false, "form"]],
            },
            { additionalContext: this.props.context }
        );
    }
}

export const dentalCalendarView = {
    ...calendarView,
    Controller: DentalCalendarController,
    Model: DentalCalendarModel,
    Renderer: DentalCalendarRenderer,
};

registry.category("views").add("dental_calendar", dentalCalendarView);
